import type { ForkedServer } from './forkServer.ts';
import type { AnswerRun, HealthDc } from './measureHealth.ts';
import { startPrometheus } from './measureMetrics.ts';
import { measureThroughput, type ThroughputResult } from './measureThroughput.ts';
import { readProcStats } from './readProcStats.ts';
import { runWrk } from './runWrk.ts';
import { TOKEN } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';

/** What a browser sends for the page: the token as the Basic password, and HTML asked for. */
const BASIC = `Basic ${Buffer.from(`operator:${TOKEN}`).toString('base64')}`;
const BROWSER_HEADERS = [`Authorization: ${BASIC}`, 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'];

export interface PageAnswerCase extends AnswerRun {
  probes: number;
  failing: number;
  /** One page's size, its rows, and the refresh it asks for. */
  bodyBytes: number;
  rows: number;
  refreshS: number;
}

/** One page, fetched as a browser would; its status, body and the refresh its meta tag asks for. */
async function fetchPage(origin: string): Promise<{ status: number; body: string; refreshS: number }> {
  const answer = await fetch(`${origin}/__health`, { headers: Object.fromEntries(BROWSER_HEADERS.map((h) => h.split(/: (.*)/s).slice(0, 2))), signal: AbortSignal.timeout(10_000) });
  const body = await answer.text();
  const refreshS = Number(/<meta http-equiv="refresh" content="(\d+);/.exec(body)?.[1] ?? Number.NaN);
  return { status: answer.status, body, refreshS };
}

const CONNECTIONS = 1;
const DELAY_MS = [50, 150] as const;

/**
 * The page's answer time, measured as /__health's JSON is (measureHealth.ts): one connection asking
 * again 50-150 ms after each answer, far more often than people looking at it would.
 */
export async function measurePageAnswer(dc: HealthDc, failing: number, secondsPerRun: number): Promise<PageAnswerCase> {
  const { deadpool } = dc;
  const page = await fetchPage(deadpool.origin);
  if (page.status !== 200 || !page.body.startsWith('<!doctype html>')) throw new Error(`/__health as HTML answered ${page.status}: ${page.body.slice(0, 200)}`);
  const webPid = deadpool.web!.pid;
  const r = await runWrk({ url: `${deadpool.origin}/__health`, connections: CONNECTIONS, durationS: secondsPerRun, headers: BROWSER_HEADERS, delayMs: DELAY_MS, serverPid: webPid });
  const cpu = r.serverCpuPercent;
  return {
    probes: dc.probes,
    failing,
    bodyBytes: Buffer.byteLength(page.body),
    rows: page.body.split('<th scope="row">').length - 1,
    refreshS: page.refreshS,
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

export interface PageRefreshingResult {
  probes: number;
  viewers: number;
  refreshS: number;
  seconds: number;
  pages: number;
  /** Pages not answered 200 as HTML. */
  failedPages: number;
  responderRssMb: { before: number; after: number; max: number };
  /** The Cloudflare fast path (base URL, 32 connections) against bare node:http while the pages refresh; undefined: the pages alone. */
  throughput: ThroughputResult | undefined;
  /** The real Prometheus scraping `/metrics` every second meanwhile: its good scrapes. */
  scrapes: { upSamples: number; lastScrapeMs: number | undefined };
}

/**
 * People keeping the page open: `viewers` browsers, each reloading it when its meta refresh says
 * (5 s with the default stale_grace), for `seconds` or longer, with a real Prometheus scraping
 * `/metrics` every second as well (issue 11's measure); meanwhile the fast path's
 * throughput against bare node:http, as in section 1. The responder's RSS before, after and at its
 * highest (sampled every second).
 */
export async function measurePageRefreshing(dc: HealthDc, bare: ForkedServer | undefined, options: { viewers: number; seconds: number; rounds: number; secondsPerRun: number; connections: number }): Promise<PageRefreshingResult> {
  const { deadpool } = dc;
  const webPid = deadpool.web!.pid;
  const before = round(readProcStats(webPid).rssMb, 1);
  const prometheus = await startPrometheus(dc);
  const started = performance.now();
  let max = before;
  let pages = 0;
  let failedPages = 0;
  let refreshS = Number.NaN;
  const end = Date.now() + options.seconds * 1000;
  // The browsers stay until both the time is up and the throughput runs are over.
  let measuring = true;
  const viewer = async (offsetMs: number): Promise<void> => {
    await sleep(offsetMs);
    while (measuring || Date.now() < end) {
      const page = await fetchPage(deadpool.origin).catch(() => undefined);
      pages++;
      if (page?.status !== 200 || !Number.isFinite(page.refreshS)) failedPages++;
      if (page) refreshS = page.refreshS;
      await sleep((Number.isFinite(page?.refreshS) ? page!.refreshS : 5) * 1000);
    }
  };
  const sampler = setInterval(() => (max = Math.max(max, readProcStats(webPid).rssMb)), 1000);
  try {
    const viewers = Array.from({ length: options.viewers }, (_, i) => viewer((i * 5000) / options.viewers));
    const throughput = bare === undefined ? await sleep(options.seconds * 1000).then(() => undefined).finally(() => (measuring = false)) : await measureThroughput({
      responderUrl: `${deadpool.origin}/`,
      bareUrl: bare.url,
      headers: [`Authorization: Bearer ${TOKEN}`],
      responderPid: webPid,
      barePid: bare.child.pid,
      connections: options.connections,
      rounds: options.rounds,
      secondsPerRun: options.secondsPerRun,
    }).finally(() => (measuring = false));
    await Promise.all(viewers);
    const after = round(readProcStats(webPid).rssMb, 1);
    const scrapes = await prometheus.scrapes((performance.now() - started) / 1000);
    return { probes: dc.probes, viewers: options.viewers, refreshS, seconds: options.seconds, pages, failedPages, responderRssMb: { before, after, max: round(Math.max(max, after), 1) }, throughput, scrapes };
  } finally {
    clearInterval(sampler);
    await prometheus.stop();
  }
}
