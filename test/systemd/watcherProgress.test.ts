import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { STATE_FILE, STATE_VERSION, type WatcherStateFile } from '../../src/flag-store/watcherState.ts';
import { watcherProgress } from '../../src/systemd/watcherProgress.ts';

const NOW = 1_800_000_000_000;

function stateFile(failing: WatcherStateFile['failing'], writtenAt = NOW): WatcherStateFile {
  const running = ['es-1', 'es-2', 'db'];
  return { version: STATE_VERSION, pid: 1, written_at: writtenAt, heartbeat_ms: 500, min_deadline_ms: 10_000, running, failing, checks: running.flatMap(() => [-1, 0, 0]), failed_checks: {} };
}

async function folderWith(t: { teardown(fn: () => Promise<void>): void }, content: string | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-progress-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  if (content !== undefined) await writeFile(path.join(dir, STATE_FILE), content);
  return dir;
}

test('fresh, every probe with a result: settled; the text names the failing probes, sorted', async (t) => {
  const dir = await folderWith(t, JSON.stringify(stateFile({ 'es-2': { state: 'down', reason: 'x' }, 'es-1': { state: 'overdue', reason: 'y' } }, NOW - 1000)));
  t.deepEqual(await watcherProgress(dir, NOW, 1000), { stale: undefined, settled: true, text: '3 probe(s), failing: es-1, es-2' });
});

test('a probe still pending: not settled', async (t) => {
  const dir = await folderWith(t, JSON.stringify(stateFile({ db: { state: 'pending', reason: 'pending' } })));
  t.deepEqual(await watcherProgress(dir, NOW, 1000), { stale: undefined, settled: false, text: '3 probe(s), failing: db' });
});

test('all up', async (t) => {
  const dir = await folderWith(t, JSON.stringify(stateFile({})));
  t.is((await watcherProgress(dir, NOW, 1000)).text, '3 probe(s), all up');
});

test('stale by the responder\'s rule (two heartbeats + grace), missing, or not understood: stale and not settled', async (t) => {
  const old = await folderWith(t, JSON.stringify(stateFile({}, NOW - 2001)));
  t.deepEqual(await watcherProgress(old, NOW, 1000), { stale: 'no heartbeat from the watcher for 2 s', settled: false, text: 'no heartbeat from the watcher for 2 s' });
  const justFresh = await folderWith(t, JSON.stringify(stateFile({}, NOW - 2000)));
  t.is((await watcherProgress(justFresh, NOW, 1000)).stale, undefined);
  const none = await folderWith(t, undefined);
  t.deepEqual(await watcherProgress(none, NOW, 1000), { stale: 'no heartbeat from the watcher (ENOENT)', settled: false, text: 'no heartbeat' });
  const garbage = await folderWith(t, '{"version": 1}');
  t.is((await watcherProgress(garbage, NOW, 1000)).stale, "the watcher's heartbeat file is not one this version reads");
});
