import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPair } from '../helpers/deadpoolPair.ts';
import { runDeadpool, startDeadpool, unprivileged } from '../helpers/deadpoolProcess.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

const LOCK = '.deadpool-watcher.lock';
const probe = (url: string) => `  elastic:\n    module: url_probe\n    period: 0.3\n    query: { url: '${url}', timeout: 0.5 }\n`;

async function backend(t: { teardown(fn: () => Promise<void>): void }) {
  const server = await startToggleBackend();
  t.teardown(() => server.close());
  return server;
}

test('one watcher per flag folder: a second exits 70 naming the holder; a lock left by a dead watcher is taken over, said in the log', async (t) => {
  const server = await backend(t);
  const pair = await startPair(t, { probes: probe(server.url) });
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  const holder = pair.watcher!.child.pid;
  t.is((await readFile(path.join(pair.folder, LOCK), 'utf8')).trim(), String(holder));

  const second = startDeadpool(['watcher', '-c', pair.config], { ...(pair.user ? { user: pair.user } : {}) });
  t.teardown(() => void second.child.kill('SIGKILL'));
  t.is(await second.exited(15_000), 70);
  t.regex(second.stderr, new RegExp(`^deadpool: another watcher \\(pid ${holder}\\) holds the flag folder ${pair.folder} \\(lock file .*${LOCK}\\); one watcher per folder\\n$`));
  t.is((await readFile(path.join(pair.folder, LOCK), 'utf8')).trim(), String(holder), 'the lock is still the first watcher’s');

  pair.watcher!.child.kill('SIGKILL');
  await pair.watcher!.exited(5000);
  t.true(existsSync(path.join(pair.folder, LOCK)), 'a killed watcher leaves its lock behind');
  const third = startDeadpool(['watcher', '-c', pair.config], { ...(pair.user ? { user: pair.user } : {}) });
  t.teardown(() => void third.child.kill('SIGKILL'));
  await waitFor(() => /took over the lock of .* from pid \d+, which is not running any more/.test(third.stdout), 15_000, 'the take-over to be logged');
  t.regex(third.stdout, new RegExp(`from pid ${holder},`));
  await waitFor(async () => (await readFile(path.join(pair.folder, LOCK), 'utf8')).trim() === String(third.child.pid), 5000, 'the lock to name the new watcher');
  await waitFor(async () => (await pair.ask()).status === 200, 15_000, 'a 200 from the new watcher');
  third.child.kill('SIGTERM');
  t.is(await third.exited(5000), 0);
  t.false(existsSync(path.join(pair.folder, LOCK)), 'released at a clean stop');
});

test('a flag folder the watcher cannot write: watcher and validate exit 70 naming it, at once', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-readonly-'));
  t.teardown(async () => {
    await chmod(path.join(dir, 'locked'), 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const user = unprivileged();
  await chmod(dir, 0o755);
  // A folder the watcher's user may read but not write: owned by the test runner, mode 555, and
  // the watcher runs as another user (nobody) under root. An ordinary user's watcher runs as
  // itself and would chmod its own folder back, so the case that holds for both is a folder it
  // has to create in a parent it cannot write.
  const locked = path.join(dir, 'locked');
  await mkdir(locked);
  const cases = [path.join(locked, 'probe-status')];
  if (user) {
    await mkdir(path.join(locked, 'flags'));
    cases.push(path.join(locked, 'flags'));
  }
  await chmod(locked, 0o555);
  for (const [i, folder] of cases.entries()) {
    const config = path.join(dir, `config-${i}.yaml`);
    await writeFile(config, `WatchMan: { probe_status_folder: '${folder}' }\nprobes: {}\n`);
    if (user) await chown(config, user.uid, user.gid);
    const as = user ? { user } : {};
    const expected = existsSync(folder) ? `cannot write the flag folder ${folder}: EACCES (permission denied)` : `cannot create the flag folder ${folder}: EACCES (permission denied) in ${locked}`;
    const validate = await runDeadpool(['validate', '-c', config], as);
    t.is(validate.code, 70, validate.stderr);
    t.is(validate.stderr, `deadpool: ${expected}\n`);
    const started = Date.now();
    const watcher = await runDeadpool(['watcher', '-c', config], as);
    t.is(watcher.code, 70, watcher.stderr);
    t.is(watcher.stderr, `deadpool: ${expected}\n`);
    t.regex(watcher.stdout, new RegExp(`ERROR +watcher +${expected.replace(/[()]/g, '\\$&')}`), 'in the log too');
    t.true(Date.now() - started < 10_000);
  }
});

test('a folder that turns unwritable while running: one log line a minute with the path and the error, and the responder does not claim the watcher stopped', async (t) => {
  const server = await backend(t);
  const pair = await startPair(t, { probes: probe(server.url) });
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  const state = path.join(pair.folder, '.deadpool-state.json');
  if (pair.user) {
    // The case: the folder made read-only and taken from the watcher's user.
    await chown(pair.folder, 0, 0);
    await chmod(pair.folder, 0o555);
  } else {
    // An ordinary user's watcher would chmod its own folder back: a state file replaced by a folder is a write failure it cannot repair.
    await rm(state);
    await mkdir(path.join(state, 'keep'), { recursive: true });
  }
  t.teardown(() => chmod(pair.folder, 0o755).catch(() => undefined));
  await waitFor(async () => /no result from the watcher.*unable to write flags\//.test((await pair.ask()).body), 10_000, 'the stale reason');
  const answer = await pair.ask();
  t.is(answer.status, 503);
  t.notRegex(answer.body, /is the watcher running/);
  const failures = () => pair.watcher!.stdout.split('\n').filter((line) => /ERROR +watcher +cannot write /.test(line));
  await waitFor(() => failures().length > 0, 5000, 'the write failure to be logged');
  t.regex(failures()[0] ?? '', new RegExp(`cannot write ${pair.folder}.*(EACCES|EPERM|EISDIR)`));
  // Not an event to wait for but a window to watch: six more heartbeats fail in it, and none is logged.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t.is(failures().length, 1, failures().join('\n'));
});
