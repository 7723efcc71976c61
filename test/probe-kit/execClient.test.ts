import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ExecClient, type ExecRequest } from '../../src/probe-kit/execClient.ts';
import { alive, aliveInGroup, processes } from '../helpers/processes.ts';
import { waitFor } from '../helpers/waitFor.ts';

/**
 * The exec helper's failures, with real helper processes: killed, stopped (hung), never started,
 * orphaned. exec_probe's own behaviour through the helper is in test/probes/exec_probe.test.ts.
 * Upper bounds are generous: the point is "fails at the deadline", on a noisy shared machine.
 */
const MARGIN_MS = 1500;
const PATH = process.env['PATH'] ?? '/usr/bin:/bin';

const request = (file: string, args: string[], timeoutMs: number): ExecRequest => ({ file, args, env: { PATH }, timeoutMs, maxOutput: 1024 });
const never = new AbortController().signal;

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'deadpool-exec-client-')));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A script that writes its pid to `<dir>/leader` and sleeps. */
async function sleeper(dir: string): Promise<{ file: string; leader: () => Promise<number> }> {
  const file = path.join(dir, 'sleeper.sh');
  await writeFile(file, '#!/bin/sh\necho $$ > "$1/leader.tmp" && mv "$1/leader.tmp" "$1/leader"\nsleep 1000\n');
  await chmod(file, 0o755);
  const leader = async (): Promise<number> => {
    const read = async (): Promise<number | undefined> => {
      const text = await readFile(path.join(dir, 'leader'), 'utf8').catch(() => '');
      return /^\d+\n$/.test(text) ? Number(text) : undefined;
    };
    return waitFor(read, 5000, 'the script to start');
  };
  return { file, leader };
}

const killQuietly = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
};

test('no helper runs before the first command; one at a time keeps to one helper', async (t) => {
  const client = new ExecClient();
  t.deepEqual(client.helperPids, []);
  for (let i = 0; i < 3; i++) t.like(await client.run(request('true', [], 5000), never), { kind: 'exited', code: 0 });
  t.is(client.helperPids.length, 1);
  const [helper] = client.helperPids;
  t.is(processes().find((p) => p.pid === helper)?.ppid, process.pid, 'the helper is a child of this process');
});

test.serial('a hung helper: the command fails shortly after its deadline, saying so; the helper and the command are killed, and a new helper runs the next', async (t) => {
  const dir = await tempDir(t);
  const client = new ExecClient({ graceMs: 300 });
  const { file, leader } = await sleeper(dir);
  const started = performance.now();
  // Time enough to stop the helper before the deadline, also on a loaded machine.
  const running = client.run(request(file, [dir], 3000), never);
  const pid = await leader();
  await waitFor(() => client.commandPids.includes(pid), 5000, 'the helper to report the command');
  const [helper] = client.helperPids;
  t.teardown(() => killQuietly(helper!, 'SIGKILL'));
  process.kill(helper!, 'SIGSTOP');
  const outcome = await running;
  const elapsedMs = performance.now() - started;
  t.deepEqual(outcome, { kind: 'helper-failed', reason: 'the exec helper did not answer for 0.3 s after a deadline (killed)' });
  t.true(elapsedMs >= 3290 && elapsedMs < 3300 + MARGIN_MS, `ended after ${Math.round(elapsedMs)} ms`);
  await waitFor(() => aliveInGroup(pid).length === 0, 5000, 'the command\'s group to be killed');
  await waitFor(() => !alive(helper!), 5000, 'the hung helper to be killed');
  t.like(await client.run(request('true', [], 5000), never), { kind: 'exited', code: 0 });
  t.false(client.helperPids.includes(helper!));
});

test.serial('a helper that cannot be started: the command fails at its deadline, and starts are retried with backoff, not in a loop', async (t) => {
  let starts = 0;
  const client = new ExecClient({
    start: () => {
      starts++;
      throw Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });
    },
  });
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const started = performance.now();
  const outcome = await client.run(request('true', [], 1000), never);
  const elapsedMs = performance.now() - started;
  t.deepEqual(outcome, { kind: 'helper-failed', reason: 'no exec helper to run the command: the last one could not be started (EMFILE); restarting it' });
  t.true(elapsedMs >= 990 && elapsedMs < 1000 + MARGIN_MS, `ended after ${Math.round(elapsedMs)} ms`);
  // At once, then after 0, 100, 200 and 400 ms (and 800 on a slow machine).
  t.true(starts >= 4 && starts <= 7, `${starts} starts`);
  t.is(timers(), before, 'no retry left pending once nothing waits');
});

test('a helper that exits at once: the command fails saying how it exited', async (t) => {
  const client = new ExecClient({ start: () => spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }) });
  t.deepEqual(await client.run(request('true', [], 5000), never), { kind: 'helper-failed', reason: 'the exec helper exited (exit 3) before the command finished' });
});

test.serial('the helper does not outlive its parent: killed with it are the commands it ran', async (t) => {
  const parent = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fixtures/exec/parent.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => killQuietly(parent.pid!, 'SIGKILL'));
  const lines = createInterface({ input: parent.stdout! });
  const [line] = (await Promise.race([once(lines, 'line'), once(parent, 'exit').then(() => ['(the parent exited)'])])) as string[];
  const { helper, command } = JSON.parse(line!) as { helper: number; command: number };
  t.teardown(() => killQuietly(helper, 'SIGKILL'));
  t.true(alive(helper) && alive(command));
  parent.kill('SIGKILL');
  await waitFor(() => !alive(helper), 5000, 'the helper to exit');
  await waitFor(() => aliveInGroup(command).length === 0, 5000, 'the command\'s group to be killed');
  t.pass();
});

test('a signal aborted before the call: no helper and no command are started, the outcome is the deadline\'s', async (t) => {
  let started = 0;
  const client = new ExecClient({
    start: () => {
      started++;
      return spawn(process.execPath, ['-e', ''], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    },
  });
  const aborted = AbortSignal.abort();
  let pid: number | undefined;
  const outcome = await client.run(request('/bin/sleep', ['1000'], 60_000), aborted, undefined, (p) => (pid = p));
  t.deepEqual(outcome, { kind: 'timeout' });
  t.is(started, 0, 'no helper');
  t.is(pid, undefined, 'no command');
});
