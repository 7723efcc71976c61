import test from 'ava';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { STATE_FILE, STATE_VERSION, type WatcherStateFile } from '../../src/flag-store/watcherState.ts';
import { DC_FILES } from '../../src/marks/markFiles.ts';
import { MarksView } from '../../src/web/MarksView.ts';
import { WatcherStateView } from '../../src/web/WatcherStateView.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** Longer than any test here: what a view sees in time came through its folder watch, not its poll. */
const NEVER_MS = 600_000;

function stateText(writtenAt: number): string {
  const running = ['es-1', 'db'];
  const file: WatcherStateFile = { version: STATE_VERSION, pid: 1, written_at: writtenAt, heartbeat_ms: 500, min_deadline_ms: 10_000, running, failing: {}, checks: running.flatMap(() => [-1, 0, 0]), failed_checks: {} };
  return JSON.stringify(file);
}

/** As the watcher writes it: a temp file renamed into place. */
async function writeState(folder: string, writtenAt: number): Promise<void> {
  const temp = path.join(folder, `.state.${writtenAt}.tmp`);
  await writeFile(temp, stateText(writtenAt));
  await rename(temp, path.join(folder, STATE_FILE));
}

async function tempFolder(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-polled-view-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

test('a new state file is read as soon as it is renamed into place, without waiting for the poll', async (t) => {
  const folder = await tempFolder(t);
  const view = new WatcherStateView(folder, NEVER_MS);
  t.teardown(() => view.close());
  await view.ready;
  t.is(view.current.problem, 'no watcher state file');
  await writeState(folder, 1000);
  await waitFor(() => view.current.state?.written_at === 1000, 5000, 'the first state file');
  // A burst of writes: the last one is what the view holds once it settles.
  for (let at = 2000; at <= 6000; at += 1000) await writeState(folder, at);
  await waitFor(() => view.current.state?.written_at === 6000, 5000, () => `the last of a burst (holding ${view.current.state?.written_at})`);
  await rm(path.join(folder, STATE_FILE));
  await waitFor(() => view.current.problem === 'no watcher state file', 5000, 'the removal');
  t.pass();
});

test('a flag folder deleted and made again: its new state file is read', async (t) => {
  const parent = await tempFolder(t);
  const folder = path.join(parent, 'flags');
  await mkdir(folder);
  const view = new WatcherStateView(folder, 100);
  t.teardown(() => view.close());
  await view.ready;
  await rm(folder, { recursive: true });
  await waitFor(() => view.current.problem === 'no watcher state file', 5000, 'the missing folder');
  await mkdir(folder);
  await writeState(folder, 42);
  await waitFor(() => view.current.state?.written_at === 42, 5000, 'the state file in the new folder');
  t.pass();
});

test("the DC's drain is read as soon as it is written, and its removal as well", async (t) => {
  const folder = await tempFolder(t);
  const view = new MarksView(folder, NEVER_MS);
  t.teardown(() => view.close());
  await view.ready;
  t.deepEqual(view.current.drains, []);
  const temp = path.join(folder, '.drain.tmp');
  await writeFile(temp, 'moving racks\n');
  await rename(temp, path.join(folder, DC_FILES.drain));
  const drained = await waitFor(() => view.current.drains[0], 5000, 'the drain');
  t.is(drained.reason, 'moving racks');
  await rm(path.join(folder, DC_FILES.drain));
  await waitFor(() => view.current.drains.length === 0, 5000, 'the drain removed');
});
