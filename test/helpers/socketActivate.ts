import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unprivileged } from './deadpoolProcess.ts';
import { startNotifyReceiver, type Notification } from './notifyReceiver.ts';
import { reachableRoot, repoPathFor } from './reachableRepo.ts';
import { freePort } from './responderClient.ts';
import { startToggleBackend } from './toggleBackend.ts';
import { STARTUP_MS, waitFor } from './waitFor.ts';

export const TOKEN = 'systemd-test-token';

export interface Activated {
  child: ChildProcess;
  readonly output: string;
}

/**
 * `systemd-socket-activate` (Debian's systemd package) binds the port, waits for the first
 * connection, then execs DeadPool with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES: the process systemd
 * would start, as the unprivileged user the unit names.
 */
export function activate(t: { teardown(fn: () => Promise<void> | void): void }, port: number, env: string[], args: string[]): Activated {
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

export async function tempConfig(t: { teardown(fn: () => Promise<void> | void): void }, body: (dir: string) => string): Promise<string> {
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
export async function firstAnswer(origin: string): Promise<number> {
  const response = await fetch(`${origin}/`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(STARTUP_MS) });
  await response.text();
  return response.status;
}

export const statuses = (received: Notification[]): string[] => received.filter((n) => n.fields['STATUS'] !== undefined).map((n) => n.fields['STATUS']!);
export const fieldsAt = (received: Notification[], key: string) => received.filter((n) => n.fields[key] !== undefined);


type Teardown = { teardown(fn: () => Promise<void> | void): void };

/**
 * `deadpool run` of one url_probe (period 0.3 s) on a toggled backend, started by
 * systemd-socket-activate with a NOTIFY_SOCKET and the given WATCHDOG_USEC, up to its READY=1.
 */
export async function startActivatedRun(t: Teardown, watchdogUsec: number) {
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
  const run = activate(t, port, [`NOTIFY_SOCKET=${receiver.socket}`, `WATCHDOG_USEC=${watchdogUsec}`], ['run', '-c', config]);
  await waitFor(() => run.output.includes('Listening on'), STARTUP_MS, 'systemd-socket-activate to listen');
  const origin = `http://127.0.0.1:${port}`;
  // Nothing runs before this request: its answer can only come over the inherited socket.
  const first = await firstAnswer(origin);
  const ready = await waitFor(() => fieldsAt(receiver.received, 'READY')[0], STARTUP_MS, () => `READY=1; got ${JSON.stringify(receiver.received)}; ${run.output}`);
  return { backend, receiver, run, origin, configuredPort, first, ready };
}
