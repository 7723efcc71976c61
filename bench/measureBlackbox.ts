import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/responderClient.ts';
import { BLACKBOX_BIN } from './ensureBlackbox.ts';
import { forkServer } from './forkServer.ts';
import { spawnChild, type Child } from './spawnChild.ts';
import { startDeadpool, waitForFirstRound, type ProbeDef } from './startDeadpool.ts';
import { median, round, sleep } from './stats.ts';
import { watcherWindow } from './watcherWindow.ts';

export interface BlackboxOptions {
  /** DeadPool's url_probe probes at period 1 s, and blackbox_exporter's probes per second. */
  checksPerS: number;
  warmupS: number;
  rounds: number;
  windowS: number;
  /** The driver's most /probe requests in flight at once. */
  concurrency: number;
}

export interface BlackboxRound {
  seconds: number;
  deadpoolChecks: number;
  deadpoolChecksPerS: number;
  deadpoolCpuS: number;
  blackboxChecks: number;
  blackboxCpuS: number;
  backendCpuS: number;
  deadpoolUsPerCheck: number;
  blackboxUsPerCheck: number;
  ratio: number;
}

export interface BlackboxResult extends BlackboxOptions {
  version: string;
  rounds_: BlackboxRound[];
  /** Medians over the rounds. */
  deadpoolUsPerCheck: number;
  blackboxUsPerCheck: number;
  ratio: number;
  deadpoolChecksPerS: number;
  blackboxChecksPerS: number;
  /** Over the whole run of the driver: /probe answers with probe_success 0, errors (no answer, not 200), and ticks (every 2 ms) at which sends were due but `concurrency` requests were in flight (so they went out late). */
  blackboxFailed: number;
  blackboxErrors: number;
  driverLate: number;
  deadpoolDownAtEnd: number;
  deadpoolDriftP99Ms: number | null;
  reasons: string[];
}

/** The criterion both sides check: status 200 and this regex in the body (backendServer.ts answers "elasticsearch green"). */
const BODY_REGEX = 'elasticsearch green';

function blackboxConfig(): string {
  return `modules:
  bench_http:
    prober: http
    timeout: 5s
    http:
      valid_status_codes: [200]
      fail_if_body_not_matches_regexp: ['${BODY_REGEX}']
      preferred_ip_protocol: ip4
`;
}

/**
 * Sends GET /probe?target=…&module=… to blackbox_exporter at `rate` per second, at most
 * `concurrency` at once over kept-alive connections (a send that finds them all busy waits and is
 * counted late), and counts the answers. Runs in the bench process: its CPU is not counted.
 */
export function startDriver(url: string, rate: number, concurrency: number): { stop(): Promise<void>; completed(): number; failed(): number; errors(): number; late(): number } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let inFlight = 0;
  let sent = 0;
  let completed = 0;
  let failed = 0;
  let errors = 0;
  let late = 0;
  let stopped = false;
  const started = performance.now();
  const send = (): void => {
    inFlight++;
    sent++;
    const req = http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        inFlight--;
        if (res.statusCode !== 200) errors++;
        else {
          completed++;
          if (!/^probe_success 1$/m.test(body)) failed++;
        }
      });
    });
    req.on('error', () => {
      inFlight--;
      errors++;
    });
  };
  const tick = (): void => {
    if (stopped) return;
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (sent < due) {
      if (inFlight >= concurrency) {
        late++;
        break;
      }
      send();
    }
    setTimeout(tick, 2);
  };
  tick();
  return {
    async stop() {
      stopped = true;
      const deadline = Date.now() + 10_000;
      while (inFlight > 0 && Date.now() < deadline) await sleep(20);
      agent.destroy();
    },
    completed: () => completed,
    failed: () => failed,
    errors: () => errors,
    late: () => late,
  };
}

export async function startBlackbox(dir: string): Promise<{ child: Child; origin: string }> {
  const config = path.join(dir, 'blackbox.yml');
  await writeFile(config, blackboxConfig());
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawnChild(BLACKBOX_BIN, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${origin}/-/healthy`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, origin };
    if (child.process.exitCode !== null || Date.now() > deadline) {
      await child.stop();
      throw new Error(`blackbox_exporter did not start: ${child.output}`);
    }
    await sleep(50);
  }
}

/**
 * CPU per HTTP check: DeadPool's watcher (N url_probe probes at period 1 s: N checks/s) against
 * blackbox_exporter (its http prober driven at N probes/s through /probe), both checking the same
 * backend process with the same criterion (status 200, body regex), at the same time. Per round,
 * over one window: each process's utime + stime / its checks, and their ratio; medians reported.
 */
export async function measureBlackbox(options: BlackboxOptions, version: string): Promise<BlackboxResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-bench-blackbox-'));
  const backend = await forkServer('backendServer.ts');
  const cleanup: (() => Promise<void>)[] = [() => backend.child.stop(), () => rm(dir, { recursive: true, force: true })];
  try {
    const blackbox = await startBlackbox(dir);
    cleanup.unshift(() => blackbox.child.stop());
    const criteria = `{ status: { type: status_in, query: [200] }, body: { type: re_search, query: '${BODY_REGEX}' } }`;
    const probes: ProbeDef[] = Array.from({ length: options.checksPerS }, (_, i) => ({ name: `p${i}`, url: backend.url, period: 1, criteria }));
    const deadpool = await startDeadpool({ probes, web: false });
    cleanup.unshift(() => deadpool.stop());
    await waitForFirstRound(deadpool, probes.length, 180_000);
    const target = `${blackbox.origin}/probe?target=${encodeURIComponent(backend.url)}&module=bench_http`;
    const driver = startDriver(target, options.checksPerS, options.concurrency);
    cleanup.unshift(() => driver.stop());
    await sleep(options.warmupS * 1000);
    const rounds: BlackboxRound[] = [];
    let last: Awaited<ReturnType<typeof watcherWindow>> | undefined;
    for (let i = 0; i < options.rounds; i++) {
      let c0 = 0;
      let c1 = 0;
      const w = await watcherWindow(deadpool, {
        windowS: options.windowS,
        others: { blackbox: blackbox.child.pid, backend: backend.child.pid },
        atStart: () => (c0 = driver.completed()),
        atEnd: () => (c1 = driver.completed()),
      });
      last = w;
      const bbChecks = c1 - c0;
      const dpUs = (w.cpuSeconds / Math.max(1, w.checks)) * 1e6;
      const bbUs = (w.othersCpuSeconds['blackbox']! / Math.max(1, bbChecks)) * 1e6;
      rounds.push({
        seconds: w.seconds,
        deadpoolChecks: w.checks,
        deadpoolChecksPerS: w.checksPerS,
        deadpoolCpuS: round(w.cpuSeconds, 2),
        blackboxChecks: bbChecks,
        blackboxCpuS: round(w.othersCpuSeconds['blackbox']!, 2),
        backendCpuS: round(w.othersCpuSeconds['backend']!, 2),
        deadpoolUsPerCheck: round(dpUs),
        blackboxUsPerCheck: round(bbUs),
        ratio: round(dpUs / bbUs, 3),
      });
    }
    return {
      ...options,
      version,
      rounds_: rounds,
      deadpoolUsPerCheck: round(median(rounds.map((r) => r.deadpoolUsPerCheck))),
      blackboxUsPerCheck: round(median(rounds.map((r) => r.blackboxUsPerCheck))),
      ratio: round(median(rounds.map((r) => r.ratio)), 3),
      deadpoolChecksPerS: round(median(rounds.map((r) => r.deadpoolChecksPerS))),
      blackboxChecksPerS: round(median(rounds.map((r) => r.blackboxChecks / r.seconds))),
      blackboxFailed: driver.failed(),
      blackboxErrors: driver.errors(),
      driverLate: driver.late(),
      deadpoolDownAtEnd: last?.downAtEnd ?? Number.NaN,
      deadpoolDriftP99Ms: last?.driftP99Ms ?? null,
      reasons: last?.reasons ?? [],
    };
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
}
