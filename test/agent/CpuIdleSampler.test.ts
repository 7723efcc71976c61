import test from 'ava';
import { CpuIdleSampler, idlePercentBetween, systemCpuTimes, type CpuTimes } from '../../src/agent/CpuIdleSampler.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

test('the idle share of the last whole timeframe, read every timeframe on the clock', (t) => {
  const clock = new FakeClock();
  let times: CpuTimes = { idle: 800, total: 1000 };
  const sampler = new CpuIdleSampler({ timeframeMs: 2000, clock, read: () => times });
  t.is(sampler.idlePercent(), 80, 'before a timeframe ends: the average since boot');
  times = { idle: 800 + 250, total: 1000 + 1000 };
  clock.advanceTo(clock.now() + 1999);
  t.is(sampler.idlePercent(), 80, 'not read before the timeframe ends');
  clock.advanceTo(clock.now() + 1);
  t.is(sampler.idlePercent(), 25);
  times = { idle: 1050 + 1000, total: 2000 + 1000 };
  clock.advanceTo(clock.now() + 2000);
  t.is(sampler.idlePercent(), 100);
  sampler.stop();
  times = { idle: 2050, total: 4000 };
  clock.advanceTo(clock.now() + 10_000);
  t.is(sampler.idlePercent(), 100, 'stopped: no more reads');
});

test('no CPU time between two readings is 0 % idle, not a division by zero', (t) => {
  t.is(idlePercentBetween({ idle: 5, total: 10 }, { idle: 5, total: 10 }), 0);
  t.is(idlePercentBetween({ idle: 0, total: 0 }, { idle: 1, total: 3 }), 33);
});

test("the machine's own times: idle within total, both growing", async (t) => {
  const first = systemCpuTimes();
  t.true(first.total > 0 && first.idle >= 0 && first.idle <= first.total);
  // Spin a little so that the kernel's tick counters move.
  const end = Date.now() + 50;
  while (Date.now() < end);
  const second = systemCpuTimes();
  t.true(second.total >= first.total);
  const idle = idlePercentBetween(first, second);
  t.true(idle >= 0 && idle <= 100);
});
