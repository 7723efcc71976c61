import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool } from '../helpers/deadpoolProcess.ts';
import { ask, freePort } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('deadpool run: 200 with a healthy backend, 503 naming the probe when it fails, 200 again; SIGTERM stops every process', async (t) => {
  const backend = await startToggleBackend();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-run-'));
  t.teardown(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });
  const port = await freePort();
  await writeFile(
    path.join(dir, 'config.yaml'),
    `WEB: { host: 127.0.0.1, port: ${port}, access_token: e2e-token, name: DC-1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
`,
  );
  const run = startDeadpool(['run', '-c', path.join(dir, 'config.yaml')]);
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await ask(origin, 'e2e-token')).status === 200, STARTUP_MS, 'the first 200');

  backend.setHealthy(false);
  const dead = await waitFor(async () => {
    const answer = await ask(origin, 'e2e-token');
    return answer.status === 503 ? answer : undefined;
  }, 5000, 'a 503');
  t.is(dead.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [200]\n');

  backend.setHealthy(true);
  const ok = await waitFor(async () => {
    const answer = await ask(origin, 'e2e-token');
    return answer.status === 200 ? answer : undefined;
  }, 5000, '200 again');
  t.is(ok.body, 'Server: DC-1 reports:\nOK\n');
  t.is((await ask(origin, 'wrong')).status, 511);

  const pids = [...run.stdout.matchAll(/started (?:watcher|web) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  t.is(pids.length, 2);
  t.true(pids.every(alive));
  const stopAt = Date.now();
  run.child.kill('SIGTERM');
  t.is(await run.exited(6000), 0);
  t.true(Date.now() - stopAt < 5000, 'within 5 s');
  t.false(pids.some(alive), 'both children are gone');
});

test('children of a supervisor killed with SIGKILL stop on their own', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  await writeFile(path.join(dir, 'config.yaml'), `WEB: { host: 127.0.0.1, port: ${port} }\n`);
  const run = startDeadpool(['run', '-c', path.join(dir, 'config.yaml')]);
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  await waitFor(() => /answering on/.test(run.stdout) && /watching 0 enabled/.test(run.stdout), STARTUP_MS, 'both children up');
  const pids = [...run.stdout.matchAll(/started (?:watcher|web) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  t.is(pids.length, 2);
  run.child.kill('SIGKILL');
  await waitFor(() => !pids.some(alive), 5000, 'the orphaned children to stop');
  t.pass();
});

/** `deadpool run` on a config whose responder cannot start: the command's exit code, output and the children it started. */
async function runThatCannotStart(t: { teardown(fn: () => Promise<void> | void): void }, web: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'config.yaml'), `WEB: { host: 127.0.0.1, ${web} }\n`);
  const run = startDeadpool(['run', '-c', path.join(dir, 'config.yaml')]);
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  // As long as the other tests give a start-up: the point is that it ends at all, instead of restarting the responder forever.
  const code = await run.exited(STARTUP_MS);
  const pids = [...run.stdout.matchAll(/started (?:watcher|web) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  return { dir, code, run, pids };
}

test('deadpool run whose responder port is in use: exits 70 at once with the message, never restarts it, and stops the watcher', async (t) => {
  const other = net.createServer();
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => other.close(() => resolve())));
  const { port } = other.address() as net.AddressInfo;
  const { code, run, pids } = await runThatCannotStart(t, `port: ${port}`);
  t.is(code, 70);
  t.is(run.stderr, `deadpool: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
  t.regex(run.stdout, new RegExp(`ERROR +web deadpool: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE stream=stderr`), 'logged as a record of the responder');
  t.regex(run.stdout, /ERROR +supervisor web could not start: exited with code 70 before it was ready/);
  t.false(/restarting in/.test(run.stdout));
  t.is(pids.length, 2, 'each child started once');
  await waitFor(() => !pids.some(alive), 5000, 'both children to be gone');
  t.pass();
});

test('deadpool run with a missing access_token_file: exits 2 naming the file, and stops the watcher', async (t) => {
  const { dir, code, run, pids } = await runThatCannotStart(t, `port: ${await freePort()}, access_token_file: missing-token`);
  t.is(code, 2);
  t.true(run.stderr.includes(path.join(dir, 'missing-token')), run.stderr);
  t.false(/restarting in/.test(run.stdout));
  t.false(run.stderr.includes('    at '), 'no stack trace');
  await waitFor(() => !pids.some(alive), 5000, 'both children to be gone');
  t.pass();
});
