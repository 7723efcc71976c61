import test from 'ava';
import { chainingClock, MAX_TIMER_MS } from '../../src/clock/Clock.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

const DAY = 24 * 3600 * 1000;

test('the fake clock refuses a timer Node would fire at once, as a reminder that nothing may ask for one', (t) => {
  const clock = new FakeClock();
  t.throws(() => clock.setTimeout(() => undefined, MAX_TIMER_MS + 1), { instanceOf: RangeError });
  t.deepEqual(clock.overlong, [MAX_TIMER_MS + 1]);
});

test('a timer past 2^31-1 ms is chained from shorter ones and fires at its time, not at once', (t) => {
  const base = new FakeClock();
  const clock = chainingClock(base);
  let fired: number | undefined;
  clock.setTimeout(() => (fired = base.now()), 60 * DAY);
  base.advanceTo(MAX_TIMER_MS + 1);
  t.is(fired, undefined, 'not at the first link of the chain');
  base.advanceTo(60 * DAY - 1);
  t.is(fired, undefined);
  base.advanceTo(60 * DAY);
  t.is(fired, 60 * DAY);
  t.deepEqual(base.overlong, []);
});

test('a chained timer can be cleared between two links; a short one runs on a single timer', (t) => {
  const base = new FakeClock();
  const clock = chainingClock(base);
  let long = 0;
  let short = 0;
  const handle = clock.setTimeout(() => long++, 30 * DAY);
  clock.setTimeout(() => short++, 1000);
  base.advanceTo(26 * DAY);
  clock.clearTimeout(handle);
  base.advanceTo(90 * DAY);
  t.is(long, 0);
  t.is(short, 1);
  clock.clearTimeout(undefined);
});
