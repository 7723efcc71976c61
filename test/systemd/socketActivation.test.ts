import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unprivileged } from '../helpers/deadpoolProcess.ts';
import { startNotifyReceiver, type Notification } from '../helpers/notifyReceiver.ts';
import { reachableRoot, repoPathFor } from '../helpers/reachableRepo.ts';
import { ask, freePort } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

const TOKEN = 'systemd-test-token';

interface Activated {
  child: ChildProcess;
  readonly output: string;
}

/**
 * `systemd-socket-activate` (Debian's systemd package) binds the port, waits for the first
 * connection, then execs DeadPool with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES: the process systemd
 * would start, as the unprivileged user the unit names.
 */
function activate(t: { teardown(fn: () => Promise<void> | void): void }, port: number, env: string[], args: string[]): Activated {
  const user = unprivileged();
  const child = spawn(
    'systemd-socket-activate',
    ['-l', `127.0.0.1:${port}`, '--fdname=web', ...env.flatMap((e) => ['-E', e]), process.execPath, repoPathFor(user, 'bin/deadpool.js'), ...args],
    { cwd: reachableRoot(user), stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return {
    child,
    get output() {
      return output;
    },
  };
}

async function tempConfig(t: { teardown(fn: () => Promise<void> | void): void }, body: (dir: string) => string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-systemd-'));
  const user = unprivileged();
  if (user) await chown(dir, user.uid, user.gid);
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }));
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, body(dir));
  if (user) await chown(config, user.uid, user.gid);
  return config;
}

/** The first request: it is what starts DeadPool, so it waits as long as a start may take. */
async function firstAnswer(origin: string): Promise<number> {
  const response = await fetch(`${origin}/`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(STARTUP_MS) });
  await response.text();
  return response.status;
}

const statuses = (received: Notification[]): string[] => received.filter((n) => n.fields['STATUS'] !== undefined).map((n) => n.fields['STATUS']!);
const fieldsAt = (received: Notification[], key: string) => received.filter((n) => n.fields[key] !== undefined);

test('deadpool run under socket activation: serves on the socket systemd passed; READY=1 after the first result; STATUS= follows the answer; WATCHDOG=1 every half WATCHDOG_USEC, held back while the watcher is frozen; STOPPING=1 on SIGTERM', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const [port, configuredPort] = [await freePort(), await freePort()];
  const config = await tempConfig(
    t,
    () => `WEB: { host: 127.0.0.1, port: ${configuredPort}, access_token: ${TOKEN}, name: DC-1 }
WatchMan: { probe_status_folder: flags, stale_grace: 1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
`,
  );
  const run = activate(t, port, [`NOTIFY_SOCKET=${receiver.socket}`, 'WATCHDOG_USEC=2000000'], ['run', '-c', config]);
  await waitFor(() => run.output.includes('Listening on'), STARTUP_MS, 'systemd-socket-activate to listen');
  const origin = `http://127.0.0.1:${port}`;

  // Nothing runs before this request: its answer can only come over the inherited socket.
  t.true([200, 503].includes(await firstAnswer(origin)));
  t.is((await ask(`http://127.0.0.1:${configuredPort}`, TOKEN)).status, 0, 'WEB.port is not bound');
  t.regex(run.output, /answering on http:\/\/127\.0\.0\.1:\d+\/ \(the socket passed by systemd, fd 3\)/);

  const ready = await waitFor(() => fieldsAt(receiver.received, 'READY')[0], STARTUP_MS, () => `READY=1; got ${JSON.stringify(receiver.received)}; ${run.output}`);
  // A healthy backend: READY=1 came once the probe had a result (pending reads "503: elastic").
  t.deepEqual(ready.fields, { READY: '1', STATUS: '200 OK' });
  t.is(fieldsAt(receiver.received, 'READY').length, 1);
  t.true(run.output.indexOf('answering on') < run.output.indexOf('telling systemd: ready'), 'READY=1 after the responder listens');

  backend.setHealthy(false);
  await waitFor(() => statuses(receiver.received).at(-1) === '503: elastic', 10_000, () => `STATUS=503: elastic; got ${JSON.stringify(statuses(receiver.received))}`);
  backend.setHealthy(true);
  await waitFor(() => statuses(receiver.received).at(-1) === '200 OK', 10_000, 'STATUS=200 OK again');

  // The supervisor keeps the socket: a responder it restarts listens on it again.
  const webPid = Number(/started web \(pid (\d+)\)/.exec(run.output)![1]);
  process.kill(webPid, 'SIGKILL');
  await waitFor(() => /started web \(pid (\d+)\)[^]*started web \(pid (\d+)\)/.test(run.output), 15_000, 'the responder restarted');
  await waitFor(async () => (await ask(origin, TOKEN)).status === 200, STARTUP_MS, 'a 200 from the restarted responder');
  t.regex(run.output.slice(run.output.lastIndexOf('started web')), /answering on http:\/\/127\.0\.0\.1:\d+\/ \(the socket passed by systemd, fd 3\)/);

  // WATCHDOG_USEC is 2 s: a ping about every second.
  const pingsFrom = receiver.received.length;
  await waitFor(() => fieldsAt(receiver.received.slice(pingsFrom), 'WATCHDOG').length >= 5, 20_000, 'five pings');
  const pings = fieldsAt(receiver.received.slice(pingsFrom), 'WATCHDOG').map((n) => n.at);
  const gaps = pings.slice(1).map((at, i) => at - pings[i]!).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  t.true(median > 700 && median < 1600, `median gap ${median} ms, about 1000`);

  // A frozen watcher: its heartbeat stops, so do the pings (systemd would restart the service).
  const watcherPid = Number(/started watcher \(pid (\d+)\)/.exec(run.output)![1]);
  process.kill(watcherPid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(watcherPid, 'SIGKILL');
    } catch {
      // already gone with its supervisor
    }
  });
  const frozenAt = Date.now();
  await waitFor(() => run.output.includes('not feeding the systemd watchdog: no heartbeat from the watcher'), 15_000, 'the watchdog held back');
  const heldAt = Date.now();
  const lastPing = Math.max(...fieldsAt(receiver.received, 'WATCHDOG').map((n) => n.at));
  await waitFor(() => Date.now() - heldAt > 3000, 5000, '3 s');
  t.is(Math.max(...fieldsAt(receiver.received, 'WATCHDOG').map((n) => n.at)), lastPing, 'no WATCHDOG=1 while the watcher is frozen');
  t.true(lastPing - frozenAt < 4000, `the last ping ${lastPing - frozenAt} ms after the freeze (heartbeat limit 2 s + one ping)`);
  t.is(statuses(receiver.received).at(-1), '503: elastic', 'and the answer says so');
  process.kill(watcherPid, 'SIGCONT');
  await waitFor(() => fieldsAt(receiver.received, 'WATCHDOG').some((n) => n.at > lastPing), 15_000, 'pings again once the watcher runs');

  const before = receiver.received.length;
  run.child.kill('SIGTERM');
  const code = await new Promise((resolve) => run.child.once('exit', (c, s) => resolve(c ?? s)));
  t.is(code, 0);
  await waitFor(() => fieldsAt(receiver.received.slice(before), 'STOPPING').length === 1, 5000, 'STOPPING=1');
});

test('deadpool web alone under socket activation: its own READY=1 waits for the watcher\'s first results', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const [port, configuredPort] = [await freePort(), await freePort()];
  const config = await tempConfig(
    t,
    () => `WEB: { host: 127.0.0.1, port: ${configuredPort}, access_token: ${TOKEN} }
WatchMan: { probe_status_folder: flags, stale_grace: 1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
`,
  );
  const web = activate(t, port, [`NOTIFY_SOCKET=${receiver.socket}`], ['web', '-c', config]);
  await waitFor(() => web.output.includes('Listening on'), STARTUP_MS, 'systemd-socket-activate to listen');
  const origin = `http://127.0.0.1:${port}`;
  t.is(await firstAnswer(origin), 503, 'no watcher yet');
  await waitFor(() => statuses(receiver.received).length > 0, STARTUP_MS, 'a STATUS=');
  t.deepEqual(fieldsAt(receiver.received, 'READY'), [], 'not ready without the watcher');
  t.regex(statuses(receiver.received).at(-1)!, /^503: cannot read the flag folder/);

  const user = unprivileged();
  const watcher = spawn(process.execPath, [repoPathFor(user, 'bin/deadpool.js'), 'watcher', '-c', config], { cwd: reachableRoot(user), stdio: 'ignore', ...(user ?? {}) });
  t.teardown(() => {
    watcher.kill('SIGKILL');
  });
  const ready = await waitFor(() => fieldsAt(receiver.received, 'READY')[0], STARTUP_MS, 'READY=1');
  t.deepEqual(ready.fields, { READY: '1', STATUS: '200 OK' });
  t.is((await ask(origin, TOKEN)).status, 200);
  web.child.kill('SIGTERM');
  await waitFor(() => fieldsAt(receiver.received, 'STOPPING').length === 1, 10_000, 'STOPPING=1');
});
