import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool, unprivileged, type DeadpoolProcess } from './deadpoolProcess.ts';
import { ask, freePort } from './responderClient.ts';
import { STARTUP_MS, waitFor } from './waitFor.ts';

export const TOKEN = 'fail-closed-test-token';

export interface PairOptions {
  /** The `probes:` section, indented by two spaces. */
  probes: string;
  /** Extra `WEB:` keys in flow style, e.g. `pools: { search: { path: /search, categories: [search] } }`. */
  web?: string;
  /** Extra top-level sections, e.g. `categories:\n  search: { resilient: true }\n`. */
  sections?: string;
  /** Extra `WatchMan:` keys, e.g. `modules_folder: mods`. */
  watchman?: string;
  /** Start the watcher (default true). */
  watcher?: boolean;
  /** `deadpool run` instead of two separate processes. */
  supervised?: boolean;
  level?: string;
  /** Extra `Generic:` keys in flow style, e.g. `graphite: { server: 127.0.0.1, port: 2003 }`. */
  generic?: string;
  /** Folders to make in the temp dir before DeadPool starts (a `modules_folder`, say: a missing one is a config error). */
  folders?: string[];
}

/**
 * DeadPool as it runs in production: the watcher and the responder as real processes (as an
 * unprivileged user when the tests run as root), sharing a flag folder in a fresh temp dir.
 */
export async function startPair(t: { teardown(fn: () => Promise<void> | void): void }, options: PairOptions) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-pair-'));
  const user = unprivileged();
  if (user) await chown(dir, user.uid, user.gid);
  for (const folder of options.folders ?? []) {
    await mkdir(path.join(dir, folder));
    if (user) await chown(path.join(dir, folder), user.uid, user.gid);
  }
  const port = await freePort();
  const config = path.join(dir, 'config.yaml');
  const writeConfig = async (probes: string) => {
    await writeFile(
      config,
      `Generic: { log: { level: ${options.level ?? 'info'} }${options.generic ? `, ${options.generic}` : ''} }
WEB: { host: 127.0.0.1, port: ${port}, access_token: ${TOKEN}, name: DC-1${options.web ? `, ${options.web}` : ''} }
WatchMan: { probe_status_folder: flags, stale_grace: 1${options.watchman ? `, ${options.watchman}` : ''} }
${options.sections ?? ''}probes:
${probes}`,
    );
    if (user) await chown(config, user.uid, user.gid);
  };
  await writeConfig(options.probes);
  const processes: DeadpoolProcess[] = [];
  const start = (command: string) => {
    const proc = startDeadpool([command, '-c', config], { ...(user ? { user } : {}) });
    processes.push(proc);
    return proc;
  };
  t.teardown(async () => {
    for (const proc of processes) {
      proc.child.kill('SIGCONT');
      proc.child.kill('SIGKILL');
    }
    await Promise.all(processes.map((p) => p.exited(5000).catch(() => undefined)));
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });
  const run = options.supervised ? start('run') : undefined;
  const web = options.supervised ? undefined : start('web');
  const watcher = options.supervised || options.watcher === false ? undefined : start('watcher');
  const origin = `http://127.0.0.1:${port}`;
  // Says what the responder's process said, so a start that fails (a port taken meanwhile, a bad config) is not a bare timeout.
  const front = run ?? web!;
  const said = (): string => {
    const state = front.child.exitCode ?? front.child.signalCode;
    return `the responder to listen (its process ${state === null ? 'still runs' : `exited: ${state}`}; its output, last 2,000 characters: ${(front.stdout + front.stderr).slice(-2000)})`;
  };
  await waitFor(async () => (await ask(origin, TOKEN)).status !== 0, STARTUP_MS, said);
  return { dir, folder: path.join(dir, 'flags'), config, origin, web, watcher, run, user, writeConfig, start, ask: (urlPath = '/') => ask(origin, TOKEN, urlPath) };
}
