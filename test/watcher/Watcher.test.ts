import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlagStore } from '../../src/flag-store/FlagStore.ts';
import { parseWatcherState, STATE_FILE } from '../../src/flag-store/watcherState.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import type { CheckEvent } from '../../src/watcher/ProbeLoop.ts';
import { phaseOffset } from '../../src/watcher/phaseOffset.ts';
import { START_SPACING_MS, Watcher } from '../../src/watcher/Watcher.ts';
import { MAX_PERIOD_S, MAX_TIMEOUT_S } from '../../src/probe-api/bounds.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { controlledModule, fail, pass, specFor } from '../helpers/probeSpec.ts';
import { waitFor } from '../helpers/waitFor.ts';

async function setup(t: { teardown(fn: () => Promise<void>): void }, deps: { clock?: FakeClock; guardIntervalMs?: number } = {}) {
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'deadpool-watcher-')), 'probe-status');
  const events: CheckEvent[] = [];
  const watcher = new Watcher({ flags: new FlagStore(folder), log: silentLogger, onCheck: (e) => events.push(e), ...deps });
  t.teardown(async () => {
    await watcher.stop();
    await rm(path.dirname(folder), { recursive: true, force: true });
  });
  const flag = (probe: string) => path.join(folder, `${probe}.dead`);
  const checksOf = (probe: string) => events.filter((e) => e.probe === probe).length;
  return { folder, events, watcher, flag, checksOf };
}

test('the flag appears after `fall` failures in a row and goes after `rise` passes', async (t) => {
  const { watcher, flag, events } = await setup(t);
  const probe = controlledModule(pass);
  await watcher.start([specFor('elastic', probe.module, { fall: 3, rise: 2 })]);
  await waitFor(() => events.some((e) => e.state === 'up'), 5000, 'first pass');

  const countFrom = (n: number, ok: boolean) => events.slice(n).filter((e) => e.ok === ok).length;
  probe.set(fail('status 500 not in [200]'));
  let mark = events.length;
  await waitFor(() => countFrom(mark, false) >= 1);
  // Checks are serial and the flag is synced before the event, so its absence here is exact.
  const failuresSeen = () => countFrom(mark, false);
  await waitFor(() => failuresSeen() >= 2);
  const down = await waitFor(() => events.slice(mark).find((e) => e.transition?.to === 'down'));
  t.is(events.slice(mark).filter((e) => !e.ok).indexOf(down), 2, 'down on the third failure in a row');
  t.true(existsSync(flag('elastic')));
  const text = await readFile(flag('elastic'), 'utf8');
  t.regex(text, /^status 500 not in \[200\]\nprobe: {6}elastic\nmodule: {5}controlled\ndown since: \d{4}-.*Z\nlast check: \d{4}-.*Z\nfailures: {3}\d+ in a row\n$/);

  probe.set(pass);
  mark = events.length;
  const up = await waitFor(() => events.slice(mark).find((e) => e.transition?.to === 'up'));
  t.is(events.slice(mark).filter((e) => e.ok).indexOf(up), 1, 'up on the second pass in a row');
  t.false(existsSync(flag('elastic')));
});

test('a change of state is announced (onChange) before anything else can read it, and the flag is written after', async (t) => {
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'deadpool-watcher-')), 'probe-status');
  const changes: { to: string; flagThere: boolean; stateThen: string | undefined }[] = [];
  // A reader polling the state as the verdict's periodic look does: never the new state before its announcement.
  const early: string[] = [];
  const watcher: Watcher = new Watcher({
    flags: new FlagStore(folder),
    log: silentLogger,
    onChange: (e) => changes.push({ to: e.transition!.to, flagThere: existsSync(path.join(folder, 'db.dead')), stateThen: watcher.snapshot().failing['db']?.state }),
  });
  t.teardown(async () => {
    await watcher.stop();
    await rm(path.dirname(folder), { recursive: true, force: true });
  });
  const probe = controlledModule(pass);
  await watcher.start([specFor('db', probe.module, { periodMs: 5 })]);
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const state = watcher.snapshot().failing['db']?.state ?? (watcher.probes.get('db')?.state === 'up' ? 'up' : undefined);
      const announced = changes.at(-1)?.to;
      if (state === 'down' && announced !== 'down') early.push('down seen before its announcement');
      if (state === 'up' && announced !== 'up') early.push('up seen before its announcement');
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  for (let round = 0; round < 5; round++) {
    probe.set(fail('status 500 not in [200]'));
    await waitFor(() => existsSync(path.join(folder, 'db.dead')), 5000, 'the flag');
    probe.set(pass);
    await waitFor(() => !existsSync(path.join(folder, 'db.dead')), 5000, 'the flag removed');
  }
  polling = false;
  await poll;
  t.deepEqual(early, []);
  t.is(changes.length, 11, 'pending→up, then down and up five times');
  t.deepEqual(changes.slice(1).map((c) => [c.to, c.flagThere, c.stateThen]), Array.from({ length: 5 }, () => [['down', false, 'down'], ['up', true, undefined]]).flat(), 'announced with the state already changed, before the flag follows');
});

test('a failing probe flag is never missing for a reader polling every millisecond', async (t) => {
  const { watcher, flag, checksOf } = await setup(t);
  const probe = controlledModule(fail());
  await watcher.start([specFor('db', probe.module, { periodMs: 2 })]);
  await waitFor(() => existsSync(flag('db')));
  const before = checksOf('db');
  let reads = 0;
  let missing = 0;
  while (checksOf('db') < before + 300) {
    reads++;
    if (!existsSync(flag('db'))) missing++;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  t.true(reads > 50, `only ${reads} reads`);
  t.is(missing, 0, `flag missing in ${missing} of ${reads} reads while ${checksOf('db') - before} failing checks rewrote it`);
});

test('the flag folder removed while running is recreated with the right flags', async (t) => {
  const { watcher, folder, flag } = await setup(t, { guardIntervalMs: 20 });
  const bad = controlledModule(fail('ECONNREFUSED 127.0.0.1:9200'));
  const good = controlledModule(pass);
  // A long period: the folder guard, not the next check, must bring the flag back.
  await watcher.start([specFor('bad', bad.module, { periodMs: 60_000 }), specFor('good', good.module, { periodMs: 60_000 })]);
  await waitFor(() => existsSync(flag('bad')));
  await rm(folder, { recursive: true, maxRetries: 20, retryDelay: 1 });
  await waitFor(() => existsSync(flag('bad')), 5000, 'the flag to come back');
  t.false(existsSync(flag('good')));
  t.regex(await readFile(flag('bad'), 'utf8'), /^ECONNREFUSED 127\.0\.0\.1:9200\n/);
  t.is(bad.stats.calls, 1);
});

test('flags of probes not running (unknown, disabled) are removed at start; a flag left by a passing probe goes', async (t) => {
  const { watcher, folder, flag, events } = await setup(t);
  const store = new FlagStore(folder);
  await store.ensureFolder();
  await store.write('removed_probe', 'old\n');
  await store.write('disabled_probe', 'old\n');
  await store.write('good', 'left from a previous run\n');
  await writeFile(path.join(folder, 'README.txt'), 'not a flag');
  const probe = controlledModule(pass);
  await watcher.start([specFor('good', probe.module), specFor('disabled_probe', probe.module, { enabled: false })]);
  await waitFor(() => events.some((e) => e.probe === 'good'));
  t.false(existsSync(flag('removed_probe')));
  t.false(existsSync(flag('disabled_probe')));
  t.false(existsSync(flag('good')));
  t.true(existsSync(path.join(folder, 'README.txt')), 'files that are not flags are left alone');
});

test('a probe that throws, rejects, returns garbage or hangs fails with a reason and its loop goes on', async (t) => {
  const { watcher, events } = await setup(t);
  const cases = {
    throws: controlledModule(() => {
      throw new Error('boom');
    }),
    rejects: controlledModule(() => Promise.reject(new TypeError('bad thing'))),
    garbage: controlledModule(() => 42 as never),
    hangs: controlledModule(() => new Promise(() => undefined)),
  };
  await watcher.start(Object.entries(cases).map(([name, c]) => specFor(name, c.module, { timeoutMs: 200, periodMs: 50 })));
  const reasons = async (probe: string, n: number) =>
    (await waitFor(() => {
      const mine = events.filter((e) => e.probe === probe);
      return mine.length >= n ? mine : undefined;
    }, 8000, `${n} checks of ${probe}`)).map((e) => e.reason);
  t.deepEqual(await reasons('throws', 2), ['check threw: boom', 'check threw: boom']);
  t.deepEqual(await reasons('rejects', 2), ['check threw: bad thing', 'check threw: bad thing']);
  t.deepEqual(await reasons('garbage', 2), ['module returned an invalid result (expected { ok: boolean, reason: string })', 'module returned an invalid result (expected { ok: boolean, reason: string })']);
  const hung = (await reasons('hangs', 2)).slice(0, 2);
  t.deepEqual(hung, ['timeout after 0.2 s', 'timeout after 0.2 s']);
  const hangs = events.filter((e) => e.probe === 'hangs');
  t.true(hangs.every((e) => e.durationMs < 200 + 1000), 'recorded by the deadline');
  t.true(events.filter((e) => e.probe === 'throws').length > events.filter((e) => e.probe === 'hangs').length, 'a hanging probe does not slow the others');
});

test('first check at once, then on the probe\'s grid (phase offset + k × period); an overrun is followed at once and the next check is back on the grid; never two at a time', async (t) => {
  const clock = new FakeClock();
  const { watcher } = await setup(t, { clock, guardIntervalMs: 1e9 });
  const offset = phaseOffset('p', 1000);
  const starts: number[] = [];
  let release: (() => void) | undefined;
  const probe = controlledModule(() => {
    starts.push(clock.now());
    if (starts.length !== 3) return { ok: true, reason: 'fine' };
    return new Promise((resolve) => (release = () => resolve({ ok: true, reason: 'slow but fine' })));
  });
  await watcher.start([specFor('p', probe.module, { periodMs: 1000, timeoutMs: 5000 })]);
  clock.advanceTo(0);
  await waitFor(() => clock.hasTimerAt(offset), 5000, 'second check scheduled at the phase offset');
  clock.advanceTo(offset);
  await waitFor(() => clock.hasTimerAt(offset + 1000), 5000, 'third check one period later');
  clock.advanceTo(offset + 1000);
  await waitFor(() => release);
  // The third check overruns its slot and the next two grid points (offset + 2000, offset + 3000).
  clock.advanceTo(offset + 3500);
  release?.();
  await waitFor(() => clock.hasTimerAt(offset + 3500), 5000, 'the check after the overrun, at once');
  clock.advanceTo(offset + 3500);
  await waitFor(() => clock.hasTimerAt(offset + 4000), 5000, 'back on the grid, not on the late check');
  clock.advanceTo(offset + 4000);
  await waitFor(() => starts.length === 5);
  t.deepEqual(starts, [0, offset, offset + 1000, offset + 3500, offset + 4000]);
  t.is(probe.stats.maxRunning, 1);
});

test('a first check that ends after the probe\'s phase offset is followed at once, then the grid resumes', async (t) => {
  const clock = new FakeClock();
  const { watcher } = await setup(t, { clock, guardIntervalMs: 1e9 });
  const offset = phaseOffset('q', 1000);
  const starts: number[] = [];
  let release: (() => void) | undefined;
  const probe = controlledModule(() => {
    starts.push(clock.now());
    if (starts.length !== 1) return { ok: true, reason: 'fine' };
    return new Promise((resolve) => (release = () => resolve({ ok: true, reason: 'slow start' })));
  });
  await watcher.start([specFor('q', probe.module, { periodMs: 1000, timeoutMs: 5000 })]);
  clock.advanceTo(0);
  await waitFor(() => release);
  clock.advanceTo(offset + 200);
  release?.();
  await waitFor(() => clock.hasTimerAt(offset + 200), 5000, 'the second check at once');
  clock.advanceTo(offset + 200);
  await waitFor(() => clock.hasTimerAt(offset + 1000), 5000, 'the third on the grid');
  clock.advanceTo(offset + 1000);
  await waitFor(() => starts.length === 3);
  t.deepEqual(starts, [0, offset + 200, offset + 1000]);
});

test('probes started together spread over their period after the first check, each never waiting longer than a period', (t) => {
  const period = 10_000;
  const offsets = Array.from({ length: 10_000 }, (_, i) => phaseOffset(`p${i}`, period));
  t.true(offsets.every((o) => o > 0 && o <= period && Number.isInteger(o)));
  const perTenth = new Array<number>(10).fill(0);
  for (const o of offsets) perTenth[Math.min(9, Math.floor(((o - 1) / period) * 10))]!++;
  t.true(perTenth.every((n) => n > 800 && n < 1200), `every tenth of the period holds about 1,000 probes: ${perTenth.join(', ')}`);
  t.is(phaseOffset('elastic', 1000), phaseOffset('elastic', 1000), 'stable for a name');
  t.is(phaseOffset('a', 1), 1);
});

test('stop() aborts the check in flight and ends quickly', async (t) => {
  const { watcher } = await setup(t);
  let aborted = false;
  const probe = controlledModule(
    (ctx) =>
      new Promise((resolve) =>
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          resolve({ ok: false, reason: 'aborted' });
        }),
      ),
  );
  await watcher.start([specFor('slow', probe.module, { timeoutMs: 60_000 })]);
  await waitFor(() => probe.stats.running === 1);
  const started = Date.now();
  await watcher.stop();
  t.true(Date.now() - started < 500);
  t.true(aborted);
});

test('a recreated folder never shows up without its flags, whoever looks at it', async (t) => {
  const { watcher, folder, flag } = await setup(t, { guardIntervalMs: 5 });
  const bad = controlledModule(fail('ECONNREFUSED 127.0.0.1:9200'));
  await watcher.start([specFor('bad', bad.module, { periodMs: 60_000 })]);
  await waitFor(() => existsSync(flag('bad')));
  let emptyLooks = 0;
  let looks = 0;
  for (let round = 0; round < 20; round++) {
    // The watcher writes into the folder while rm -rf empties it: retry as an operator's shell would.
    await rm(folder, { recursive: true, maxRetries: 20, retryDelay: 1 });
    for (;;) {
      const names = await readdir(folder).catch(() => undefined);
      if (names === undefined) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      looks++;
      if (!names.includes('bad.dead')) emptyLooks++;
      break;
    }
  }
  t.is(looks, 20);
  t.is(emptyLooks, 0);
});

test('a plain file in place of the folder is moved aside (not deleted) and the folder rebuilt', async (t) => {
  const { watcher, folder, flag } = await setup(t, { guardIntervalMs: 20 });
  const bad = controlledModule(fail('timeout after 2 s'));
  await watcher.start([specFor('bad', bad.module, { periodMs: 60_000 })]);
  await waitFor(() => existsSync(flag('bad')));
  await rm(folder, { recursive: true, maxRetries: 20, retryDelay: 1 });
  await writeFile(folder, 'an operator typo');
  await waitFor(() => existsSync(flag('bad')), 5000, 'the folder and its flag back');
  const aside = (await readdir(path.dirname(folder))).filter((name) => name.startsWith('probe-status.not-a-folder.'));
  t.is(aside.length, 1);
  t.is(await readFile(path.join(path.dirname(folder), aside[0]!), 'utf8'), 'an operator typo');
});

test('a folder made unusable (chmod 000) gets mode 755 back and every flag rewritten; flags are 0644', async (t) => {
  const { watcher, folder, flag } = await setup(t, { guardIntervalMs: 20 });
  const bad = controlledModule(fail('status 503 not in [200]'));
  await watcher.start([specFor('bad', bad.module, { periodMs: 60_000 })]);
  await waitFor(() => existsSync(flag('bad')));
  t.is((await stat(flag('bad'))).mode & 0o777, 0o644);
  t.is((await stat(path.join(folder, '.deadpool-state.json'))).mode & 0o777, 0o644);
  await chmod(folder, 0o000);
  await waitFor(async () => ((await stat(folder)).mode & 0o777) === 0o755, 5000, 'mode 755 again');
  t.true(existsSync(flag('bad')));
});

test('a probe removed by a reload has its check in flight aborted and its flag deleted', async (t) => {
  const { watcher, flag, events } = await setup(t);
  let aborted = false;
  let calls = 0;
  const probe = controlledModule((ctx) => {
    if (++calls === 1) return { ok: false, reason: 'down' };
    return new Promise((resolve) =>
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
        resolve({ ok: false, reason: 'aborted' });
      }),
    );
  });
  const keep = controlledModule(pass);
  await watcher.start([specFor('gone', probe.module, { periodMs: 10, timeoutMs: 60_000 }), specFor('kept', keep.module)]);
  await waitFor(() => existsSync(flag('gone')) && probe.stats.running === 1, 5000, 'a flag and a check in flight');
  await watcher.apply([specFor('kept', keep.module)]);
  t.true(aborted);
  t.false(existsSync(flag('gone')));
  t.deepEqual([...watcher.probes.keys()], ['kept']);
  t.true(events.some((e) => e.probe === 'kept'));
});

test('a refused config edit is published with the state (first 3 problems) until a config is applied', async (t) => {
  const { watcher } = await setup(t);
  const spec = specFor('p', controlledModule(pass).module);
  await watcher.start([spec]);
  t.is(watcher.snapshot().config_problems, undefined);
  watcher.refusedConfig(['a', 'b', 'c', 'd']);
  t.deepEqual(watcher.snapshot().config_problems, ['a', 'b', 'c']);
  await watcher.apply([spec]);
  t.is(watcher.snapshot().config_problems, undefined);
});

test('the state lists every running probe and the failing ones: pending, down, and overdue once older than period + timeout + grace (one heartbeat ahead)', async (t) => {
  const clock = new FakeClock();
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'deadpool-watcher-')), 'probe-status');
  const watcher = new Watcher({ flags: new FlagStore(folder), log: silentLogger, clock, guardIntervalMs: 500, staleGraceMs: () => 1000 });
  t.teardown(async () => {
    await watcher.stop();
    await rm(path.dirname(folder), { recursive: true, force: true });
  });
  const hangs = controlledModule(() => new Promise(() => undefined));
  await watcher.start([specFor('up', controlledModule(pass).module, { periodMs: 1000, timeoutMs: 2000 }), specFor('down', controlledModule(fail('ECONNREFUSED')).module, { periodMs: 1000, timeoutMs: 2000 }), specFor('slow', hangs.module, { periodMs: 1000, timeoutMs: 60_000 })]);
  const first = watcher.snapshot();
  t.deepEqual(first.running, ['up', 'down', 'slow']);
  t.is(first.heartbeat_ms, 500);
  t.is(first.min_deadline_ms, 3000);
  // The three first checks are START_SPACING_MS apart; they complete once the clock stands at 1.
  clock.advanceTo(1);
  await waitFor(() => watcher.probes.get('down')?.state === 'down' && watcher.probes.get('up')?.state === 'up');
  t.is(watcher.probes.get('up')?.checkedAt, 1);
  t.deepEqual(watcher.snapshot().failing, { down: { state: 'down', reason: 'ECONNREFUSED' }, slow: { state: 'pending', reason: 'pending' } });
  // Time moves but no timer runs: nothing completes. period + timeout + grace = 4,000 ms for up/down.
  clock.jumpTo(3501);
  t.deepEqual(Object.keys(watcher.snapshot().failing).sort(), ['down', 'slow'], 'a result 3,500 ms old, plus one heartbeat, is not past 4,000');
  clock.jumpTo(3502);
  t.deepEqual(watcher.snapshot().failing, {
    up: { state: 'overdue', reason: 'no result for 4 s (checks are running late)' },
    down: { state: 'overdue', reason: 'no result for 4 s (checks are running late)' },
    slow: { state: 'pending', reason: 'pending' },
  });
});

test('probes started together start their first checks START_SPACING_MS apart, in config order', async (t) => {
  const clock = new FakeClock();
  const { watcher, events } = await setup(t, { clock, guardIntervalMs: 1e9 });
  const names = ['a', 'b', 'c', 'd'];
  // The order checks start in: their results may come back in any order (each awaits the disk).
  const started: string[] = [];
  await watcher.start(names.map((name) => specFor(name, controlledModule((ctx) => (started.push(ctx.probe), pass(ctx))).module, { periodMs: 60_000 })));
  const planned = names.map((_, i) => 0 + i * START_SPACING_MS);
  t.deepEqual(names.map((name) => watcher.probes.get(name)?.startedAt), planned);
  t.true(planned.every((at) => clock.hasTimerAt(at)), 'a first-check timer at each');
  clock.advanceTo(10);
  await waitFor(() => events.length === names.length);
  t.deepEqual(started, names, 'checked in config order');
});

test('a recovering probe keeps the failure that took it down and says how far the recovery is, in the flag and the state file', async (t) => {
  const clock = new FakeClock();
  const { watcher, flag, events } = await setup(t, { clock, guardIntervalMs: 500 });
  const script = [fail('status 500 not in [200]'), fail('status 502 not in [200]'), pass, pass, fail('status 503 not in [200]'), pass, pass, pass, pass];
  const probe = controlledModule((ctx) => script[Math.min(probe.stats.calls - 1, script.length - 1)]!(ctx));
  await watcher.start([specFor('es', probe.module, { periodMs: 1000, rise: 4 })]);
  const seen: { first: string; failures: string; recovering: string | undefined; state: string | undefined }[] = [];
  for (let n = 1; n <= script.length; n++) {
    clock.advanceTo((n - 1) * 1000);
    await waitFor(() => events.length === n, 5000, `check ${n}`);
    const text = existsSync(flag('es')) ? await readFile(flag('es'), 'utf8') : '';
    const line = (label: string) => /^(\w[\w ]*):\s+(.*)$/m.exec(text.split('\n').find((l) => l.startsWith(label)) ?? '')?.[2];
    seen.push({ first: text.split('\n')[0] ?? '', failures: line('failures') ?? '', recovering: line('recovering'), state: watcher.snapshot().failing['es']?.reason });
  }
  const row = (first: string, failures: string, recovering?: string) => ({ first, failures, recovering, state: first === '' ? undefined : first });
  t.deepEqual(seen, [
    row('status 500 not in [200]', '1 in a row'),
    row('status 502 not in [200]', '2 in a row'),
    row('status 502 not in [200] (recovering: 1 of 4 passes)', '2 in a row', '1 of 4 passes'),
    row('status 502 not in [200] (recovering: 2 of 4 passes)', '2 in a row', '2 of 4 passes'),
    row('status 503 not in [200]', '1 in a row'),
    row('status 503 not in [200] (recovering: 1 of 4 passes)', '1 in a row', '1 of 4 passes'),
    row('status 503 not in [200] (recovering: 2 of 4 passes)', '1 in a row', '2 of 4 passes'),
    row('status 503 not in [200] (recovering: 3 of 4 passes)', '1 in a row', '3 of 4 passes'),
    row('', ''),
  ]);
});

test('at the longest period and deadline the config allows, the schedule keeps its grid and no timer exceeds what Node can hold', async (t) => {
  const clock = new FakeClock();
  const { watcher, events } = await setup(t, { clock, guardIntervalMs: 500 });
  const period = MAX_PERIOD_S * 1000;
  const probe = controlledModule(pass);
  await watcher.start([specFor('p', probe.module, { periodMs: period, timeoutMs: MAX_TIMEOUT_S * 1000 })]);
  clock.advanceTo(0);
  await waitFor(() => events.length === 1);
  const offset = phaseOffset('p', period);
  await waitFor(() => clock.hasTimerAt(offset), 5000, 'the second check at its phase offset');
  clock.advanceTo(offset);
  await waitFor(() => events.length === 2);
  await waitFor(() => clock.hasTimerAt(offset + period), 5000, 'the third a period later');
  t.deepEqual(clock.overlong, []);
});

test('the state file publishes the last check of every probe, passing ones too: its end, duration and outcome, and since when the probe is in its state', async (t) => {
  const clock = new FakeClock();
  const { watcher, folder, events } = await setup(t, { clock, guardIntervalMs: 500 });
  let release: (() => void) | undefined;
  const held = controlledModule(() => new Promise((resolve) => (release = () => resolve({ ok: true, reason: 'status 200 in 40 ms' }))));
  await watcher.start([specFor('a', held.module, { periodMs: 60_000 }), specFor('b', controlledModule(() => new Promise(() => undefined)).module, { periodMs: 60_000, timeoutMs: 60_000 })]);
  clock.advanceTo(1);
  await waitFor(() => release, 5000, 'the first check of a');
  clock.advanceTo(41);
  release?.();
  await waitFor(() => events.length === 1);
  t.deepEqual(watcher.probes.get('a')?.lastCheck(), { at: 41, duration_ms: 41, ok: true, since: 41 });
  t.is(watcher.probes.get('b')?.lastCheck(), undefined, 'b has no result yet');
  clock.advanceTo(500);
  const published = await waitFor(async () => {
    const state = parseWatcherState(await readFile(path.join(folder, STATE_FILE), 'utf8').catch(() => ''));
    return state?.checks.has('a') ? state : undefined;
  }, 5000, 'a heartbeat with the check of a');
  t.deepEqual([...published.running], ['a', 'b']);
  t.deepEqual([...published.checks], [['a', { at: 41, duration_ms: 41, ok: true, since: 41 }]]);
});

test('a flaky probe: ok and reason follow the last check, since follows the up/down state (the first result of the row that changed it)', async (t) => {
  const clock = new FakeClock();
  const { watcher, events } = await setup(t, { clock, guardIntervalMs: 1e9 });
  const script = [pass, fail('status 500 not in [200]'), fail('status 502 not in [200]'), pass, pass, pass];
  const probe = controlledModule((ctx) => script[Math.min(probe.stats.calls - 1, script.length - 1)]!(ctx));
  await watcher.start([specFor('f', probe.module, { periodMs: 1000, fall: 2, rise: 2 })]);
  const ends: number[] = [];
  const seen: { ok: boolean; reason: string | undefined; state: string; sinceCheck: number; publishedOk: boolean | undefined; publishedReason: string | undefined }[] = [];
  for (let n = 1; n <= script.length; n++) {
    clock.advanceTo((n - 1) * 1000);
    await waitFor(() => events.length === n, 5000, `check ${n}`);
    const loop = watcher.probes.get('f')!;
    const check = loop.lastCheck()!;
    ends.push(check.at);
    const published = parseWatcherState(JSON.stringify(watcher.snapshot()))!.checks.get('f');
    t.true(published !== undefined && Math.abs(published.since - check.since) <= 500 && published.since <= published.at, `since to the second: ${published?.since} for ${check.since}`);
    t.is(published?.at, check.at);
    seen.push({ ok: check.ok, reason: check.reason, state: loop.state, sinceCheck: ends.indexOf(check.since) + 1, publishedOk: published?.ok, publishedReason: published?.reason });
  }
  const row = (ok: boolean, reason: string | undefined, state: string, sinceCheck: number) => ({ ok, reason, state, sinceCheck, publishedOk: ok, publishedReason: reason });
  t.deepEqual(seen, [
    row(true, undefined, 'up', 1),
    row(false, 'status 500 not in [200]', 'up', 1),
    row(false, 'status 502 not in [200]', 'down', 2),
    row(true, undefined, 'down', 2),
    row(true, undefined, 'up', 4),
    row(true, undefined, 'up', 4),
  ]);
});
