/**
 * `node --import tsx bench/metricsRenderCost.ts`: the CPU one scrape of /metrics costs each process
 * at 1,000 and 10,000 probes, in process (no HTTP, no loaded DC around it): the watcher's text
 * (WatcherMetrics through prom-client's Registry) and the responder's (renderMetrics from the
 * verdicts, its process metrics, and the merge with the watcher's text). Used for BENCHMARKS.md
 * "Issue 11: /metrics" where a loaded machine kept the end-to-end 10,000-probe DC from answering.
 */
import { configSchema } from '../src/config/schema.ts';
import { mergeExpositions } from '../src/metrics/exposition.ts';
import { NO_MARKS } from '../src/marks/Mark.ts';
import { healthModel } from '../src/verdict/healthModel.ts';
import { memoizedVerdicts } from '../src/web/memoizedVerdicts.ts';
import { processMetrics } from '../src/web/processMetrics.ts';
import { renderMetrics } from '../src/web/renderMetrics.ts';
import { WatcherMetrics, type MeasuredProbe } from '../src/watcher/WatcherMetrics.ts';
import { quantile, round } from './stats.ts';

const ROUNDS = 30;

for (const count of [1000, 10_000]) {
  const names = Array.from({ length: count }, (_, i) => `p${i}`);
  const categories = ['search', 'api', 'static', 'default'];
  const model = healthModel(
    configSchema.parse({
      WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] }, api: { path: '/api', categories: ['api', 'default'] }, static: { path: '/static', categories: ['static', 'default'] } } },
      categories: { search: { resilient: true }, api: {}, static: {} },
      probes: Object.fromEntries(names.map((name, i) => [name, { module: 'url_probe', categories: [categories[i % 4]] }])),
    }),
  );
  const loops = new Map<string, MeasuredProbe>(names.map((name) => [name, { spec: { moduleName: 'url_probe' }, checkedAt: 1, lastDurationMs: 12.345 }]));
  const watcher = new WatcherMetrics(() => loops);
  for (const probe of names) for (let k = 0; k < 3; k++) watcher.record({ probe, ok: k !== 1, reason: '', state: 'up', durationMs: 12, driftMs: 2, at: 0 });
  const now = Date.now();
  const state = { version: 3 as const, pid: 1, written_at: now, heartbeat_ms: 500, running: new Set(names), failing: {}, checks: new Map(), checkOf: () => undefined };
  const flags = { folderOk: true, folderProblem: undefined, flags: new Map<string, string>() };
  // A new heartbeat each round, as every state file write makes: the verdicts and the probes' lines are rebuilt.
  let freshness = { watcher: { state: { ...state } }, now, graceMs: 5000, folderName: 'flags/' };
  const verdicts = memoizedVerdicts({ getModel: () => model, getState: () => flags, getMarks: () => NO_MARKS, getFreshness: () => freshness });
  const watcherMs: number[] = [];
  const verdictMs: number[] = [];
  const responderMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    const text = await watcher.text();
    watcherMs.push(performance.now() - t);
    const written = now + i + 1;
    freshness = { watcher: { state: { ...state, written_at: written } }, now: written, graceMs: 5000, folderName: 'flags/' };
    // The verdicts the Cloudflare answers already work out once per heartbeat (base URL and each pool): timed apart.
    t = performance.now();
    verdicts();
    for (const pool of model.pools.keys()) verdicts({ pool });
    verdictMs.push(performance.now() - t);
    t = performance.now();
    const own = renderMetrics(verdicts, model, freshness);
    const merged = mergeExpositions([own.text, await processMetrics(), text.shared]);
    responderMs.push(performance.now() - t);
    bytes = Buffer.byteLength(merged) + own.probes.length + Buffer.byteLength(text.own);
  }
  const p = (xs: number[], q: number): number => round(quantile(xs, q), 1);
  console.log(`${count} probes: ${bytes} bytes; watcher text p50 ${p(watcherMs, 0.5)} ms (p99 ${p(watcherMs, 0.99)}); responder render + merge p50 ${p(responderMs, 0.5)} ms (p99 ${p(responderMs, 0.99)}); the verdicts (shared with every answer) p50 ${p(verdictMs, 0.5)} ms; RSS ${round(process.memoryUsage().rss / 1e6, 1)} MB`);
}
