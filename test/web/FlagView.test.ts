import test, { type ExecutionContext } from 'ava';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatFlag, probeOfFlag } from '../../src/flag-store/flagFormat.ts';
import { FlagStore } from '../../src/flag-store/FlagStore.ts';
import { FlagView, type FlagViewOptions, type FlagViewState } from '../../src/web/FlagView.ts';
import { plainLine } from '../../src/verdict/plainLine.ts';
import { waitFor } from '../helpers/waitFor.ts';

async function tempFolder(t: ExecutionContext): Promise<string> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'deadpool-flagview-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  return base;
}

async function openView(t: ExecutionContext, folder: string, options: Partial<FlagViewOptions> = {}): Promise<FlagView> {
  const view = new FlagView({ folder, ...options });
  t.teardown(() => view.close());
  await view.ready;
  return view;
}

/** Resolves with the ms it took until the view's state satisfies `check` (bounded by `timeoutMs`). */
function changeWithin(view: FlagView, check: (state: FlagViewState) => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`view did not change as expected within ${timeoutMs} ms: ${JSON.stringify(describe(view.state))}`));
    }, timeoutMs);
    const stop = view.onChange((state) => {
      if (!check(state)) return;
      clearTimeout(timer);
      stop();
      resolve(performance.now() - started);
    });
  });
}

const describe = (state: FlagViewState) => ({ folderOk: state.folderOk, problem: state.folderProblem, flags: Object.fromEntries(state.flags) });

/** FlagStore writes into an existing folder (the watcher rebuilds a missing one); tests make it first. */
async function put(store: FlagStore, probe: string, text: string): Promise<void> {
  await store.ensureFolder();
  await store.write(probe, text);
}

const flagText = (probe: string, reason: string): string =>
  formatFlag({ probe, module: 'url_probe', reason, since: new Date(0), lastCheck: new Date(0), failures: 3 });

test('the first scan reads existing flags, first line only, and ignores everything that is not a flag', async (t) => {
  const folder = await tempFolder(t);
  const store = new FlagStore(folder);
  await put(store, 'elastic', flagText('elastic', 'status 500 not in [200]'));
  await writeFile(path.join(folder, 'mongo.dead'), '');
  await writeFile(path.join(folder, '.elastic.dead.123.tmp'), 'half a write');
  await writeFile(path.join(folder, 'notes.txt'), 'not a flag');
  await mkdir(path.join(folder, 'odd.dead'));
  const view = await openView(t, folder);
  t.deepEqual(describe(view.state), { folderOk: true, problem: undefined, flags: { elastic: 'status 500 not in [200]', mongo: '(no reason given)' } });
});

// Serial (AVA runs serial tests first, on their own): run alongside the churn test in this
// process, the latencies measured the thousands of file operations queued ahead of ours.
test.serial('a flag written through FlagStore shows up at once; removing it clears it', async (t) => {
  const folder = await tempFolder(t);
  const store = new FlagStore(folder);
  await store.ensureFolder();
  const view = await openView(t, folder);
  const latencies: number[] = [];
  for (let i = 0; i < 5; i++) {
    const shown = changeWithin(view, (s) => s.flags.get('elastic') === `timeout ${i}`, 1000);
    await put(store, 'elastic', flagText('elastic', `timeout ${i}`));
    latencies.push(await shown);
    const gone = changeWithin(view, (s) => !s.flags.has('elastic'), 1000);
    await store.remove('elastic');
    latencies.push(await gone);
  }
  t.log(`latencies (ms): ${latencies.map((ms) => ms.toFixed(1)).join(' ')}`);
  // The goal is < 50 ms; a loaded CI machine gets some slack so the test is not flaky.
  for (const ms of latencies) t.true(ms < 200, `${ms.toFixed(1)} ms`);
});

test('a rewritten flag changes its reason; plain writes and `touch` work too', async (t) => {
  const folder = await tempFolder(t);
  const store = new FlagStore(folder);
  await store.ensureFolder();
  const view = await openView(t, folder);
  await put(store, 'sql', flagText('sql', 'login failed'));
  await changeWithin(view, (s) => s.flags.get('sql') === 'login failed', 1000);
  const changed = changeWithin(view, (s) => s.flags.get('sql') === 'table empty', 1000);
  await put(store, 'sql', flagText('sql', 'table empty'));
  await changed;
  const edited = changeWithin(view, (s) => s.flags.get('sql') === 'maintenance by ops', 1000);
  await writeFile(path.join(folder, 'sql.dead'), 'maintenance by ops\r\nsecond line\n');
  await edited;
  const touched = changeWithin(view, (s) => s.flags.get('redis') === '(no reason given)', 1000);
  await writeFile(path.join(folder, 'redis.dead'), '');
  await touched;
  t.pass();
});

test('only the first 4 KB of a flag are read', async (t) => {
  const folder = await tempFolder(t);
  await writeFile(path.join(folder, 'big.dead'), 'x'.repeat(1024 * 1024));
  const view = await openView(t, folder);
  t.is(view.state.flags.get('big')?.length, 4096);
});

test('folder removed: folderOk false and no flags; re-created: its flags are picked up', async (t) => {
  const base = await tempFolder(t);
  const folder = path.join(base, 'probe-status');
  const store = new FlagStore(folder);
  await put(store, 'elastic', flagText('elastic', 'down'));
  const view = await openView(t, folder);
  t.true(view.state.flags.has('elastic'));

  const removed = changeWithin(view, (s) => !s.folderOk, 3000);
  await rm(folder, { recursive: true });
  t.log(`removal seen after ${(await removed).toFixed(1)} ms`);
  t.deepEqual(describe(view.state), { folderOk: false, problem: 'the folder does not exist', flags: {} });

  const back = changeWithin(view, (s) => s.folderOk && s.flags.get('mongo') === 'refused', 3000);
  await put(store, 'mongo', flagText('mongo', 'refused'));
  t.log(`re-created folder seen after ${(await back).toFixed(1)} ms`);
  t.deepEqual(describe(view.state).flags, { mongo: 'refused' });

  // The new folder is watched for real, not only rescanned now and then.
  const shown = changeWithin(view, (s) => s.flags.has('redis'), 1000);
  await put(store, 'redis', flagText('redis', 'down'));
  t.log(`next flag seen after ${(await shown).toFixed(1)} ms`);
});

test('a folder missing at start is reported, and picked up once it exists', async (t) => {
  const base = await tempFolder(t);
  const folder = path.join(base, 'later', 'probe-status');
  const view = await openView(t, folder);
  t.deepEqual(describe(view.state), { folderOk: false, problem: 'the folder does not exist', flags: {} });
  const appeared = changeWithin(view, (s) => s.folderOk && s.flags.has('elastic'), 4000);
  await put(new FlagStore(folder), 'elastic', flagText('elastic', 'down'));
  t.log(`appeared after ${(await appeared).toFixed(1)} ms`);
  const shown = changeWithin(view, (s) => s.flags.has('mongo'), 1000);
  await put(new FlagStore(folder), 'mongo', flagText('mongo', 'down'));
  t.log(`next flag after ${(await shown).toFixed(1)} ms`);
  t.pass();
});

test('a folder replaced in one go (rm -rf + mkdir) is watched again, never left stale', async (t) => {
  const base = await tempFolder(t);
  const folder = path.join(base, 'probe-status');
  const store = new FlagStore(folder);
  await put(store, 'elastic', flagText('elastic', 'down'));
  const view = await openView(t, folder);
  await rm(folder, { recursive: true });
  await mkdir(folder);
  await waitFor(() => view.state.folderOk && view.state.flags.size === 0, 3000, 'the empty replacement folder');
  const shown = changeWithin(view, (s) => s.flags.has('mongo'), 3000);
  await put(store, 'mongo', flagText('mongo', 'down'));
  t.log(`flag in the replacement folder seen after ${(await shown).toFixed(1)} ms`);
  t.pass();
});

test('a file where the folder should be is reported, and replacing it with a folder recovers', async (t) => {
  const base = await tempFolder(t);
  const folder = path.join(base, 'probe-status');
  await writeFile(folder, 'oops');
  const view = await openView(t, folder);
  t.deepEqual(describe(view.state), { folderOk: false, problem: 'the path is not a folder', flags: {} });
  const back = changeWithin(view, (s) => s.folderOk && s.flags.has('elastic'), 3000);
  await rm(folder);
  await put(new FlagStore(folder), 'elastic', flagText('elastic', 'down'));
  t.log(`recovered after ${(await back).toFixed(1)} ms`);
  const shown = changeWithin(view, (s) => s.flags.has('mongo'), 1000);
  await put(new FlagStore(folder), 'mongo', flagText('mongo', 'down'));
  await shown;
  t.pass();
});

test('other files changing in the folder (the state file, twice a second) cause no rescan', async (t) => {
  const folder = await tempFolder(t);
  const store = new FlagStore(folder);
  await store.ensureFolder();
  const view = await openView(t, folder, { reconcileMs: 60_000 });
  const scansBefore = view.scans;
  for (let i = 0; i < 50; i++) await store.writeFile('.deadpool-state.json', `{"beat":${i}}\n`);
  // Events come in order: once the flag written after them is in the view, theirs were handled.
  const shown = changeWithin(view, (s) => s.flags.has('mongo'), 2000);
  await put(store, 'mongo', flagText('mongo', 'down'));
  await shown;
  // The flag's own settle rescan, 150 ms after its event, is the only one allowed.
  await waitFor(() => view.scans > scansBefore, 2000, "the flag's settle rescan");
  t.is(view.scans, scansBefore + 1, '50 renames of another file caused no scan');
});

test('close() stops the view and can be called twice', async (t) => {
  const folder = await tempFolder(t);
  const view = await openView(t, folder);
  await view.close();
  await view.close();
  await put(new FlagStore(folder), 'late', 'too late');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.false(view.state.flags.has('late'));
});

/** What the folder really holds, read the slow and obvious way. */
async function actualFlags(folder: string): Promise<Record<string, string>> {
  const flags: Record<string, string> = {};
  for (const name of await readdir(folder)) {
    const probe = probeOfFlag(name);
    if (probe === undefined) continue;
    const text = await readFile(path.join(folder, name), 'utf8').catch(() => undefined);
    if (text !== undefined) flags[probe] = plainLine(text) || '(no reason given)';
  }
  return flags;
}

test('churn: thousands of atomic writes and removals of 50 names converge to the folder', async (t) => {
  const folder = await tempFolder(t);
  const store = new FlagStore(folder);
  await store.ensureFolder();
  // A long reconcile period: convergence must come from events and settle rescans, not the timer.
  const view = await openView(t, folder, { reconcileMs: 60_000 });
  let seed = 42;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const names = Array.from({ length: 50 }, (_, i) => `probe-${i}`);
  let ops = 0;
  const started = performance.now();
  for (let batch = 0; batch < 100; batch++) {
    await Promise.all(
      Array.from({ length: 30 }, () => {
        const probe = names[Math.floor(random() * names.length)]!;
        const op = ops++;
        return random() < 0.55 ? store.write(probe, flagText(probe, `failure #${op}`)) : rm(path.join(folder, `${probe}.dead`), { force: true });
      }),
    );
  }
  const churned = performance.now();
  const expected = await actualFlags(folder);
  await waitFor(async () => JSON.stringify(Object.fromEntries([...view.state.flags].sort())) === JSON.stringify(Object.fromEntries(Object.entries(expected).sort())), 5000, 'the view to match the folder');
  t.log(`${ops} operations in ${(churned - started).toFixed(0)} ms; converged ${(performance.now() - churned).toFixed(0)} ms later with ${Object.keys(expected).length} flags`);
  t.deepEqual(await actualFlags(folder), expected, 'the folder did not move after the churn');
});
