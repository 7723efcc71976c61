import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlagStore } from '../../src/flag-store/FlagStore.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import { FORCE_INTERVAL_MS, ProbeLoop, type CheckEvent } from '../../src/watcher/ProbeLoop.ts';
import { phaseOffset } from '../../src/watcher/phaseOffset.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { controlledModule, fail, pass, specFor, type Behaviour } from '../helpers/probeSpec.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** A period whose first grid point, for probe `p`, is an hour in: the tests' forced checks have the time before it to themselves. */
const DAY = 86_400_000;

/** A loop on a fake clock whose checks end when the test says so (`finish`), recording when each started. */
async function held(t: { teardown(fn: () => Promise<void>): void }, periodMs = 1000) {
  const clock = new FakeClock();
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-loop-'));
  const events: CheckEvent[] = [];
  const starts: number[] = [];
  const waiting: (() => void)[] = [];
  let outcome: Behaviour = pass;
  const probe = controlledModule((ctx) => {
    starts.push(clock.now());
    return new Promise((resolve) => waiting.push(() => resolve(outcome(ctx))));
  });
  const loop = new ProbeLoop(specFor('p', probe.module, { periodMs, timeoutMs: 60_000 }), { flags: new FlagStore(folder), log: silentLogger, clock, onCheck: (e) => events.push(e) });
  t.teardown(async () => {
    for (const finish of waiting.splice(0)) finish();
    await loop.stop();
    await rm(folder, { recursive: true, force: true });
  });
  /** Ends the check in flight and waits until it is recorded. */
  const finish = async () => {
    const count = events.length;
    await waitFor(() => waiting.length > 0, 5000, 'a check in flight');
    waiting.shift()!();
    await waitFor(() => events.length > count, 5000, 'the check recorded');
  };
  const setOutcome = (next: Behaviour) => (outcome = next);
  return { clock, folder, loop, probe, events, starts, finish, setOutcome, offset: phaseOffset('p', periodMs) };
}

test('a forced check runs now through the normal path (flag, thresholds, event) and answers with the probe\'s state', async (t) => {
  const { clock, folder, loop, events, starts, finish, setOutcome, offset } = await held(t, DAY);
  t.true(offset > 20_000, 'no scheduled check in the way');
  loop.start(0);
  clock.advanceTo(0);
  await finish();
  clock.advanceTo(5000);
  setOutcome(fail('status 500 not in [200]'));
  const forced = loop.force();
  await finish();
  const result = await forced;
  t.deepEqual(starts, [0, 5000]);
  t.like(result, { at: 5000, ok: false, reason: 'status 500 not in [200]', state: 'down', down_reason: 'status 500 not in [200]', since: 5000 });
  t.true(existsSync(path.join(folder, 'p.dead')), 'the flag is written before the answer');
  t.deepEqual(events.map((e) => e.forced ?? false), [false, true]);
  t.is(events[1]!.driftMs, 0);
});

test('forced requests while one is pending share it; within a second of its start the last result answers, with no check; after that a new check', async (t) => {
  const { clock, loop, starts, finish, offset } = await held(t, DAY);
  t.true(offset > 20_000, 'no scheduled check in the way');
  loop.start(0);
  clock.advanceTo(0);
  await finish();
  clock.advanceTo(10_000);
  const first = [loop.force(), loop.force(), loop.force()];
  await finish();
  const results = await Promise.all(first);
  t.true(results.every((r) => r === results[0]), 'one result for the three');
  clock.advanceTo(10_000 + FORCE_INTERVAL_MS - 1);
  t.deepEqual(await loop.force(), results[0], 'the last result, no check');
  t.deepEqual(starts, [0, 10_000]);
  clock.advanceTo(10_000 + FORCE_INTERVAL_MS);
  const again = loop.force();
  await finish();
  t.is((await again)?.at, 10_000 + FORCE_INTERVAL_MS);
  t.deepEqual(starts, [0, 10_000, 10_000 + FORCE_INTERVAL_MS]);
});

test('a forced check waits for the check in flight (never two at once), and the schedule keeps its grid; a scheduled check due meanwhile runs right after it', async (t) => {
  const { clock, loop, probe, starts, finish, offset } = await held(t, 1000);
  loop.start(0);
  clock.advanceTo(0);
  await finish();
  // The second (scheduled) check is in flight when the forced one is asked for.
  clock.advanceTo(offset);
  await waitFor(() => starts.length === 2);
  const forced = loop.force();
  t.is(probe.stats.running, 1);
  clock.advanceTo(offset + 100);
  await finish();
  await waitFor(() => starts.length === 3, 5000, 'the forced check, after the scheduled one');
  t.is(starts[2], offset + 100);
  // The next grid point (offset + 1000) passes while the forced check runs: that check waits for it.
  clock.advanceTo(offset + 1500);
  await finish();
  await forced;
  await waitFor(() => starts.length === 4, 5000, 'the scheduled check right after the forced one');
  t.is(starts[3], offset + 1500);
  await finish();
  await waitFor(() => clock.hasTimerAt(offset + 2000), 5000, 'back on the grid');
  t.is(probe.stats.maxRunning, 1);
});

test('a forced check of a stopped loop answers undefined', async (t) => {
  const { clock, loop, starts, finish, offset } = await held(t, DAY);
  t.true(offset > 20_000, 'no scheduled check in the way');
  loop.start(0);
  clock.advanceTo(0);
  await finish();
  clock.advanceTo(2000);
  const forced = loop.force();
  await waitFor(() => starts.length === 2, 5000, 'the forced check in flight');
  await loop.stop();
  t.is(await forced, undefined);
  t.is(await loop.force(), undefined);
});
