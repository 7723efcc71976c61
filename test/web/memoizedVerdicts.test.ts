import test from 'ava';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import type { FlagsSeen, Freshness } from '../../src/verdict/probeStatuses.ts';
import { memoizedVerdicts } from '../../src/web/memoizedVerdicts.ts';
import { freshFor } from '../helpers/freshness.ts';
import { modelOf } from '../helpers/healthModel.ts';

const model = modelOf({ WEB: { name: 'DC-1' }, probes: { a: { module: 'url_probe' }, b: { module: 'url_probe' } } });
const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);
const noFlags: FlagsSeen = { folderOk: true, folderProblem: undefined, flags: new Map() };

/** A responder's sources whose heartbeat, flags and clock the test replaces. */
function sources() {
  let freshness: Freshness = freshFor(['a', 'b'], NOW);
  let flags = noFlags;
  return {
    verdicts: memoizedVerdicts({ getModel: () => model, getState: () => flags, getFreshness: () => freshness, getMarks: () => NO_MARKS }),
    beat(at: number, now = at) {
      freshness = { ...freshFor(['a', 'b'], at), now };
    },
    flag(probe: string, reason: string) {
      flags = { ...noFlags, flags: new Map([[probe, reason]]) };
    },
  };
}

test('a heartbeat that changes nothing keeps the verdict: not worked out again (and kept alive for a heartbeat) twice a second', (t) => {
  const dc = sources();
  const first = dc.verdicts();
  t.is(first.status, 200);
  dc.beat(NOW + 500);
  t.is(dc.verdicts(), first, 'the same verdict object after a new heartbeat');
  dc.beat(NOW + 60_000);
  t.is(dc.verdicts(), first, 'still, a minute of heartbeats later');
});

test('the kept verdict still fails closed: a watcher that falls silent after its last heartbeat turns it to 503', (t) => {
  const dc = sources();
  dc.beat(NOW + 500);
  t.is(dc.verdicts().status, 200);
  dc.beat(NOW + 1000);
  t.is(dc.verdicts().status, 200);
  // The last heartbeat was at NOW + 1000; limit: two heartbeats (1 s) + grace (5 s).
  dc.beat(NOW + 1000, NOW + 1000 + 6000);
  t.is(dc.verdicts().status, 200, 'at the limit');
  dc.beat(NOW + 1000, NOW + 1000 + 6001);
  const silent = dc.verdicts();
  t.is(silent.status, 503);
  t.regex(silent.body, /no result from the watcher for 6 s/);
});

test('a flag after a kept verdict changes the answer at once', (t) => {
  const dc = sources();
  dc.beat(NOW + 500);
  dc.verdicts();
  dc.flag('b', 'status 500 not in [200]');
  const after = dc.verdicts();
  t.is(after.status, 503);
  t.deepEqual(after.dead, ['b']);
});

test('a silent watcher: the 503 is worked out again when the seconds it shows change, not on every request', (t) => {
  const dc = sources();
  dc.beat(NOW, NOW + 7000);
  const first = dc.verdicts();
  t.is(first.status, 503);
  t.regex(first.body, /no result from the watcher for 7 s/);
  dc.beat(NOW, NOW + 7499);
  t.is(dc.verdicts(), first, 'the same verdict object while it reads "7 s"');
  dc.beat(NOW, NOW + 7500);
  const next = dc.verdicts();
  t.not(next, first);
  t.regex(next.body, /no result from the watcher for 8 s/);
  dc.beat(NOW + 8000, NOW + 8000);
  t.is(dc.verdicts().status, 200, 'a new heartbeat ends it at once');
});
