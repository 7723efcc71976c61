import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/cli/nodeFlags.ts';
import { parseWatcherState, STATE_FILE, type WatcherState } from '../src/flag-store/watcherState.ts';
import { freePort } from '../test/helpers/responderClient.ts';
import { spawnChild, type Child } from './spawnChild.ts';
import { sleep } from './stats.ts';

export const DEADPOOL_BIN = fileURLToPath(new URL('../bin/deadpool.js', import.meta.url));
export const TOKEN = 'bench-token-0123456789abcdef';

export interface ProbeDef {
  name: string;
  url: string;
  /** Seconds. */
  period: number;
  /** Seconds; url_probe's own default is 5. */
  timeout?: number;
  fall?: number;
  rise?: number;
  /** `success_criteria` as a YAML flow map, e.g. `{ status: { type: status_in, query: [200] } }`. */
  criteria?: string;
  /** The categories it counts in (DeadPool's default: `[default]`). */
  categories?: readonly string[];
  /** The service it is an instance of (DeadPool's default: a group of its own). */
  group?: string;
}

/** A probe of another module: its `query` (and criteria) written as YAML flow maps. */
export interface ModuleProbeDef {
  name: string;
  module: string;
  /** Seconds. */
  period: number;
  /** The `query` map as YAML flow, e.g. `{ command: ['/tmp/ok.sh'] }`. */
  query: string;
  criteria?: string;
}

export interface DeadpoolOptions {
  probes: readonly (ProbeDef | ModuleProbeDef)[];
  /** Which processes to start (both by default). */
  watcher?: boolean;
  web?: boolean;
  /** WatchMan.stale_grace in seconds (default: DeadPool's, 5). */
  staleGrace?: number;
  /** Extra arguments for node before bin/deadpool.js (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** `WEB.pools`: one path per Cloudflare pool and the categories it needs. */
  pools?: Readonly<Record<string, { path: string; categories: readonly string[] }>>;
  /** The top-level `categories` map: each category's settings as a YAML flow map, e.g. `{ resilient: true }`. */
  categories?: Readonly<Record<string, string>>;
  /** More top-level sections as YAML, each line ending with a newline, e.g. `Agent: { port: 9002 }\n`. */
  sections?: string;
  /** `Generic.log.level` (default warning: a benchmark must not measure its own stdout). */
  logLevel?: 'info' | 'warning';
}

export interface Deadpool {
  dir: string;
  folder: string;
  config: string;
  origin: string;
  watcher: Child | undefined;
  web: Child | undefined;
  /** The watcher's state file, parsed; undefined while it is missing or being replaced. */
  readState(): Promise<WatcherState | undefined>;
  stop(): Promise<void>;
}

/** The `probes:` section, one flow-style line per probe (10,000 probes make a 1 MB file). */
function probesYaml(probes: readonly (ProbeDef | ModuleProbeDef)[]): string {
  return probes
    .map((p) => {
      const criteria = p.criteria === undefined ? '' : `, success_criteria: ${p.criteria}`;
      if ('module' in p) return `  ${p.name}: { module: ${p.module}, period: ${p.period}, query: ${p.query}${criteria} }\n`;
      const extra = `${p.fall ? `, fall: ${p.fall}` : ''}${p.rise ? `, rise: ${p.rise}` : ''}${p.categories ? `, categories: [${p.categories.join(', ')}]` : ''}${p.group ? `, group: ${p.group}` : ''}`;
      const timeout = p.timeout === undefined ? '' : `, timeout: ${p.timeout}`;
      return `  ${p.name}: { module: url_probe, period: ${p.period}${extra}, query: { url: '${p.url}'${timeout} }${criteria} }\n`;
    })
    .join('');
}

/**
 * DeadPool as it runs in production: `deadpool watcher` and `deadpool web` as real processes on
 * a fresh config in a temp folder, logging at `warning` only (a benchmark must not measure its
 * own stdout). Resolves once the responder answers.
 */
export async function startDeadpool(options: DeadpoolOptions): Promise<Deadpool> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-bench-'));
  const port = await freePort();
  const config = path.join(dir, 'config.yaml');
  const folder = path.join(dir, 'flags');
  const grace = options.staleGrace === undefined ? '' : `, stale_grace: ${options.staleGrace}`;
  const pools = Object.entries(options.pools ?? {}).map(([name, pool]) => `${name}: { path: ${pool.path}, categories: [${pool.categories.join(', ')}] }`);
  const categories = Object.entries(options.categories ?? {}).map(([name, settings]) => `  ${name}: ${settings}\n`).join('');
  await writeFile(
    config,
    `Generic: { log: { level: ${options.logLevel ?? 'warning'} } }
WEB: { host: 127.0.0.1, port: ${port}, access_token: ${TOKEN}, name: bench${pools.length ? `, pools: { ${pools.join(', ')} }` : ''} }
WatchMan: { probe_status_folder: flags${grace} }
${categories ? `categories:\n${categories}` : ''}${options.sections ?? ''}probes:
${probesYaml(options.probes)}`,
  );
  // With the node options `deadpool run` gives each process: what production runs.
  const start = (command: 'watcher' | 'web'): Child => spawnChild(process.execPath, [...NODE_FLAGS[command], ...(options.nodeArgs ?? []), DEADPOOL_BIN, command, '-c', config]);
  const watcher = options.watcher === false ? undefined : start('watcher');
  const web = options.web === false ? undefined : start('web');
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await Promise.all([watcher?.stop(), web?.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
  if (web) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answered = await fetch(`${origin}/`, { signal: AbortSignal.timeout(1000) }).then(
        () => true,
        () => false,
      );
      if (answered) break;
      if (web.process.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`deadpool web did not start: ${web.output}`);
      }
      await sleep(50);
    }
  }
  const readState = async (): Promise<WatcherState | undefined> => {
    const text = await readFile(path.join(folder, STATE_FILE), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : parseWatcherState(text);
  };
  return { dir, folder, config, origin, watcher, web, readState, stop };
}

/** Waits until the watcher has published a result for `count` probes (its first round is done). */
export async function waitForFirstRound(deadpool: Deadpool, count: number, timeoutMs = 120_000): Promise<WatcherState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await deadpool.readState();
    if (state) {
      const pending = Object.values(state.failing).filter((p) => p.state === 'pending').length;
      const checked = state.running.size - pending;
      if (checked >= count) return state;
    }
    if (Date.now() > deadline) throw new Error(`the watcher did not check ${count} probes within ${timeoutMs} ms: ${deadpool.watcher?.output ?? ''}`);
    await sleep(200);
  }
}
