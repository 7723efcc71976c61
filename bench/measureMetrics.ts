import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ForkedServer } from './forkServer.ts';
import type { HealthDc } from './measureHealth.ts';
import { measureThroughput, type ThroughputResult } from './measureThroughput.ts';
import { readProcStats } from './readProcStats.ts';
import { runWrk } from './runWrk.ts';
import { spawnChild } from './spawnChild.ts';
import { TOKEN } from './startDeadpool.ts';
import { freePort } from '../test/helpers/responderClient.ts';
import { round, sleep } from './stats.ts';

export interface MetricsAnswerCase {
  probes: number;
  /** One /metrics answer: its size, and whether the watcher's part was in it. */
  bytes: number;
  withWatcherPart: boolean;
  /** Probes with deadpool_probe_success 0 in that answer (a loaded machine times some checks out). */
  failing: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  responderCpuPercent: number | undefined;
  watcherCpuPercent: number;
  responderRssMbBefore: number;
  responderRssMbAfter: number;
}

export interface MetricsScrapeCase {
  probes: number;
  scrapeS: number;
  /** Prometheus' own view: scrapes that succeeded, and its last scrape's duration. */
  upSamples: number;
  lastScrapeMs: number | undefined;
  /** The fast path's ratio to bare node:http measured while Prometheus scraped. */
  throughput: ThroughputResult;
  responderRssMb: { before: number; after: number };
  watcherRssMb: { before: number; after: number };
}

/** One connection asking `/metrics` again 50-150 ms after each answer: the time to the whole answer, p50 and p99. */
export async function measureMetricsAnswer(dc: HealthDc, seconds: number): Promise<MetricsAnswerCase> {
  const { deadpool } = dc;
  const url = `${deadpool.origin}/metrics`;
  const webPid = deadpool.web!.pid;
  const watcherPid = deadpool.watcher!.pid;
  const before = readProcStats(webPid).rssMb;
  const answer = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(30_000) });
  const body = await answer.text();
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${body.slice(0, 200)}`);
  const watcherBefore = readProcStats(watcherPid);
  const started = performance.now();
  const r = await runWrk({ url, connections: 1, durationS: seconds, headers: [`Authorization: Bearer ${TOKEN}`], delayMs: [50, 150], serverPid: webPid });
  const watcherAfter = readProcStats(watcherPid);
  return {
    probes: dc.probes,
    bytes: Buffer.byteLength(body),
    withWatcherPart: /^deadpool_watcher_metrics_up 1$/m.test(body),
    failing: body.split('\n').filter((line) => line.startsWith('deadpool_probe_success{') && line.endsWith(' 0')).length,
    requests: r.requests,
    rps: round(r.requestsPerS, 1),
    p50Ms: round(r.latencyMs.p50, 2),
    p99Ms: round(r.latencyMs.p99, 2),
    maxMs: round(r.latencyMs.max, 2),
    non2xx: r.statusErrors + r.socketErrors + r.timeouts,
    responderCpuPercent: r.serverCpuPercent,
    watcherCpuPercent: round(((watcherAfter.cpuSeconds - watcherBefore.cpuSeconds) / ((performance.now() - started) / 1000)) * 100, 1),
    responderRssMbBefore: round(before, 1),
    responderRssMbAfter: round(readProcStats(webPid).rssMb, 1),
  };
}

/** A real Prometheus scraping one DeadPool's `/metrics`, and what it says of its scrapes. */
export interface ScrapingPrometheus {
  /** Scrapes that succeeded in the last `seconds` (Prometheus' `up`), and its last scrape's duration. */
  scrapes(seconds: number): Promise<{ upSamples: number; lastScrapeMs: number | undefined }>;
  stop(): Promise<void>;
}

/** Starts Debian's Prometheus scraping `/metrics` every second with the token from a credentials_file; resolves once it is ready. */
export async function startPrometheus(dc: HealthDc): Promise<ScrapingPrometheus> {
  // Its storage in memory where there is a tmpfs: its write-ahead log, written every second, is
  // Prometheus' cost, not DeadPool's (on the project machine /tmp is a disk).
  const dir = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'deadpool-bench-prometheus-'));
  const port = await freePort();
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(path.join(dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: deadpool
    authorization: { credentials_file: ${path.join(dir, 'token')} }
    static_configs: [{ targets: ['${new URL(dc.deadpool.origin).host}'] }]
`,
    );
    const prometheus = spawnChild('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`]);
    const stop = async (): Promise<void> => {
      await prometheus.stop();
      await removeDir();
    };
    const deadline = Date.now() + 60_000;
    while (!prometheus.output.includes('Server is ready to receive web requests')) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`prometheus did not start: ${prometheus.output.slice(-500)}`);
      }
      await sleep(200);
    }
    const query = async (promql: string): Promise<number | undefined> => {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`).then((a) => a.json() as Promise<{ data?: { result?: { value: [number, string] }[] } }>).catch(() => undefined);
      const value = r?.data?.result?.[0]?.value[1];
      return value === undefined ? undefined : Number(value);
    };
    return {
      async scrapes(seconds) {
        const lastScrape = await query('scrape_duration_seconds{job="deadpool"}');
        return { upSamples: (await query(`sum_over_time(up{job="deadpool"}[${Math.round(seconds)}s])`)) ?? 0, lastScrapeMs: lastScrape === undefined ? undefined : round(lastScrape * 1000, 1) };
      },
      stop,
    };
  } catch (error) {
    await removeDir();
    throw error;
  }
}

/**
 * A real Prometheus (Debian's) scraping `/metrics` every second for `scrapeS`, while the fast
 * path's throughput is measured against bare node:http (the alternating rounds of the throughput
 * section): the responder's and the watcher's RSS before and after, and Prometheus' own count of
 * good scrapes.
 */
export async function measureMetricsScrape(dc: HealthDc, bare: ForkedServer, options: { scrapeS: number; rounds: number; runS: number; connections: number }): Promise<MetricsScrapeCase> {
  const { deadpool } = dc;
  const webPid = deadpool.web!.pid;
  const watcherPid = deadpool.watcher!.pid;
  const before = { web: readProcStats(webPid).rssMb, watcher: readProcStats(watcherPid).rssMb };
  const prometheus = await startPrometheus(dc);
  try {
    const started = performance.now();
    const throughput = await measureThroughput({ responderUrl: `${deadpool.origin}/`, bareUrl: bare.url, headers: [`Authorization: Bearer ${TOKEN}`], responderPid: webPid, barePid: bare.child.pid, connections: options.connections, rounds: options.rounds, secondsPerRun: options.runS });
    const left = options.scrapeS * 1000 - (performance.now() - started);
    if (left > 0) await sleep(left);
    const { upSamples, lastScrapeMs } = await prometheus.scrapes(options.scrapeS);
    return {
      probes: dc.probes,
      scrapeS: round((performance.now() - started) / 1000),
      upSamples,
      lastScrapeMs,
      throughput,
      responderRssMb: { before: round(before.web, 1), after: round(readProcStats(webPid).rssMb, 1) },
      watcherRssMb: { before: round(before.watcher, 1), after: round(readProcStats(watcherPid).rssMb, 1) },
    };
  } finally {
    await prometheus.stop();
  }
}
