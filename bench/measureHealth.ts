import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { STATE_FILE } from '../src/flag-store/watcherState.ts';
import type { ForkedServer } from './forkServer.ts';
import { readProcStats } from './readProcStats.ts';
import { runWrk } from './runWrk.ts';
import { startDeadpool, TOKEN, waitForFirstRound, type Deadpool, type ProbeDef } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';

/** The three pools of the DC, each with the categories its Cloudflare monitor needs. */
export const POOLS = {
  search: { path: '/search', categories: ['search'] },
  api: { path: '/api', categories: ['api', 'default'] },
  static: { path: '/static', categories: ['static', 'default'] },
} as const;

/**
 * About one probe in a hundred watches the backend the bench can flip; the rest watch `/steady`.
 * Not 100: with four categories round-robin every flipping probe would be a search probe, whose
 * resilient groups hide one failing member, and the base URL would stay 200.
 */
const FLIPPING_EVERY = 101;

export interface HealthDc {
  deadpool: Deadpool;
  probes: number;
  /** The probes whose backend the bench flips. */
  flipping: number;
  stop(): Promise<void>;
}

/**
 * A DC of `count` url_probe probes spread round-robin over four categories (search, api, static,
 * default), search resilient with groups of three, behind the three POOLS. The probes are checked
 * once an hour: the state file is a real watcher's (rewritten every 0.5 s with every probe's last
 * check), but 1,000 checks a second would take the core the responder is measured on. One probe
 * in about a hundred is checked every 2 s against the flippable backend, so a failing case costs no
 * restart and the file's failing part changes as it would in production.
 */
export async function startHealthDc(backend: ForkedServer, count: number, options: { needOk?: boolean; nodeArgs?: readonly string[] } = {}): Promise<HealthDc> {
  const categories = ['search', 'api', 'static', 'default'] as const;
  const probes: ProbeDef[] = [];
  let flipping = 0;
  for (let i = 0; i < count; i++) {
    const category = categories[i % categories.length]!;
    const flips = i % FLIPPING_EVERY === 0;
    if (flips) flipping++;
    probes.push({
      name: `p${i}`,
      url: flips ? backend.url : `${backend.url}steady`,
      period: flips ? 2 : 3600,
      // Generous: a check that times out in the first round (1,000s at once on a loaded machine) would stay down for the hour.
      timeout: flips ? 1.5 : 10,
      ...(flips ? { fall: 1, rise: 1 } : {}),
      ...(category === 'default' ? {} : { categories: [category] }),
      ...(category === 'search' ? { group: `es${Math.floor(i / (3 * categories.length))}` } : {}),
    });
  }
  const deadpool = await startDeadpool({
    probes,
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    pools: POOLS,
    categories: { search: '{ resilient: true, min_passing: 1 }', api: '{}', static: '{}' },
  });
  try {
    await waitForFirstRound(deadpool, count, 180_000);
    // The metrics and page sections measure whatever the answer: a first round that timed out on a
    // loaded machine leaves probes down for the hour.
    if (options.needOk === false) return { deadpool, probes: count, flipping, stop: () => deadpool.stop() };
    const before = readProcStats(deadpool.web!.pid);
    const waitS = 120;
    await waitForAnswer(deadpool.origin, '/', 200, waitS * 1000).catch(async (error: unknown) => {
      // Say what the responder was doing: at 10,000 probes it was busy, not dead (BENCHMARKS.md, issue 10).
      const cpu = round(readProcStats(deadpool.web!.pid).cpuSeconds - before.cpuSeconds, 1);
      const entries = (await readdir(deadpool.folder).catch(() => [])).length;
      throw new Error(`${error instanceof Error ? error.message : String(error)} after the watcher's first round; the responder used ${cpu} s of CPU in those ${waitS} s; ${entries} entries in the flag folder`);
    });
  } catch (error) {
    await deadpool.stop();
    throw error;
  }
  return { deadpool, probes: count, flipping, stop: () => deadpool.stop() };
}

/** Waits until `path` answers `status` with the token (the responder has read the watcher's results). */
async function waitForAnswer(origin: string, urlPath: string, status: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(`${origin}${urlPath}`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (answer?.status === status) return;
    if (Date.now() > deadline) throw new Error(`${urlPath} did not answer ${status} within ${round(timeoutMs / 1000)} s (last: ${answer?.status ?? 'no answer in 5 s'})`);
    await sleep(100);
  }
}

/** How a paced run of one kind of request went: shared by /__health (JSON) and the status page. */
export interface AnswerRun {
  connections: number;
  delayMs: readonly [number, number];
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 2xx/3xx, and socket errors or timeouts: /__health answers 200 whenever authorized. */
  non2xx: number;
  socketErrors: number;
  /** The responder's CPU over the run (% of one core), and per answer. */
  responderCpuPercent: number | undefined;
  cpuMsPerAnswer: number | undefined;
  responderRssMbAfter: number;
}

export interface HealthAnswerCase extends AnswerRun {
  probes: number;
  /** Probes that were down while this case ran. */
  failing: number;
  /** What one answer held: its body in bytes, its checks, failing checks and top-level `ok`. */
  bodyBytes: number;
  checks: number;
  checksNotOk: number;
  ok: boolean;
  /** The watcher's state file at the time, which the responder parses at every write (every 0.5 s). */
  stateFileKb: number;
}

/**
 * One connection asking `/__health` again 50-150 ms after each answer (a monitor or an operator
 * polling it; FT's monitors ask every few seconds, so this is headroom): the time from the
 * request's first byte to the whole answer, p50 and p99 of the run, and what one answer held.
 */
const CONNECTIONS = 1;
const DELAY_MS = [50, 150] as const;

export async function measureHealthAnswer(dc: HealthDc, failing: number, secondsPerRun: number): Promise<HealthAnswerCase> {
  const { deadpool } = dc;
  const url = `${deadpool.origin}/__health`;
  const answer = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  const body = await answer.text();
  if (answer.status !== 200) throw new Error(`/__health answered ${answer.status}: ${body.slice(0, 200)}`);
  const doc = JSON.parse(body) as { ok: boolean; checks: { ok: boolean }[] };
  const state = await stat(path.join(deadpool.folder, STATE_FILE));
  const webPid = deadpool.web!.pid;
  const r = await runWrk({ url, connections: CONNECTIONS, durationS: secondsPerRun, headers: [`Authorization: Bearer ${TOKEN}`], delayMs: DELAY_MS, serverPid: webPid });
  const cpu = r.serverCpuPercent;
  return {
    probes: dc.probes,
    failing,
    bodyBytes: Buffer.byteLength(body),
    checks: doc.checks.length,
    checksNotOk: doc.checks.filter((c) => !c.ok).length,
    ok: doc.ok,
    stateFileKb: round(state.size / 1000, 1),
    connections: CONNECTIONS,
    delayMs: DELAY_MS,
    requests: r.requests,
    rps: round(r.requestsPerS, 1),
    p50Ms: round(r.latencyMs.p50, 2),
    p99Ms: round(r.latencyMs.p99, 2),
    maxMs: round(r.latencyMs.max, 2),
    non2xx: r.statusErrors,
    socketErrors: r.socketErrors + r.timeouts,
    responderCpuPercent: cpu,
    cpuMsPerAnswer: cpu === undefined ? undefined : round((cpu * 10) / r.requestsPerS, 2),
    responderRssMbAfter: round(readProcStats(webPid).rssMb, 1),
  };
}

/**
 * Flips the backend of the DC's flipping probes and waits until the watcher has them all down
 * (or up again) in its state file and the base URL says so.
 */
export async function setFlippingHealthy(dc: HealthDc, backend: ForkedServer, healthy: boolean): Promise<void> {
  await backend.ask({ healthy });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await dc.deadpool.readState();
    const down = state ? Object.values(state.failing).filter((p) => p.state === 'down').length : -1;
    if (down === (healthy ? 0 : dc.flipping)) break;
    if (Date.now() > deadline) throw new Error(`the watcher did not see ${dc.flipping} probes ${healthy ? 'up' : 'down'} within 30 s (${down} down)`);
    await sleep(100);
  }
  await waitForAnswer(dc.deadpool.origin, '/', healthy ? 200 : 503);
}
