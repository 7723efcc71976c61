import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createLogger } from '../../src/log/createLogger.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { createApp, type AppDeps } from '../../src/web/createApp.ts';
import type { FlagViewState } from '../../src/web/FlagView.ts';
import { freshFor } from '../helpers/freshness.ts';
import { modelOf } from '../helpers/healthModel.ts';
import { startServer } from '../helpers/httpServers.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { request } from './request.ts';

const TOKEN = 'metrics-route-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const model = modelOf({
  WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
  categories: { search: {} },
  probes: { es: { module: 'url_probe', categories: ['search'] }, db: { module: 'sql_probe' } },
});

async function serve(t: { teardown(fn: () => Promise<void>): void }, options: { metricsPublic?: boolean; flags?: Record<string, string>; writtenAgoMs?: number; watcher?: AppDeps['watcherMetrics'] } = {}) {
  const state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map(Object.entries(options.flags ?? {})) };
  const deps: AppDeps = {
    getState: () => state,
    getModel: () => model,
    getMarks: () => NO_MARKS,
    getWebConfig: () => ({ base_url: '/', metrics_public: options.metricsPublic ?? false }),
    getToken: () => TOKEN,
    getFreshness: () => {
      const fresh = freshFor(['es', 'db'], Date.now() - (options.writtenAgoMs ?? 0));
      return { ...fresh, now: Date.now() };
    },
    ...(options.watcher ? { watcherMetrics: options.watcher } : {}),
    logger: createLogger({ level: 'info', sinks: [] }),
  };
  const server = await startServer(createApp(deps).callback());
  t.teardown(() => server.close());
  return server.origin;
}

const line = (text: string, prefix: string): string | undefined => text.split('\n').find((l) => l.startsWith(prefix));

test('/metrics needs the token unless WEB.metrics_public; it answers in Prometheus text that promtool accepts', async (t) => {
  const closed = await serve(t);
  t.is((await request(closed, '/metrics')).status, 511);
  t.is((await request(closed, '/metrics', { headers: { Authorization: 'Bearer wrong' } })).status, 511);
  const answer = await request(closed, '/metrics', { headers: AUTH });
  t.is(answer.status, 200);
  t.is(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.is(answer.headers['cache-control'], 'no-store');
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: answer.body, encoding: 'utf8' });
  t.is(promtool.status, 0, promtool.stdout + promtool.stderr);
  t.is((await request(closed, '/metrics', { method: 'POST', headers: AUTH })).status, 405);

  const open = await serve(t, { metricsPublic: true });
  t.is((await request(open, '/metrics')).status, 200);
  t.is((await request(open, '/')).status, 511, 'only /metrics is opened');
});

test('success and pool_up come from the verdict: a flag gives 0, a stale heartbeat gives 0 for every probe and every pool', async (t) => {
  const flagged = await serve(t, { flags: { es: 'status 500' } });
  const body = (await request(flagged, '/metrics', { headers: AUTH })).body;
  t.is(line(body, 'deadpool_probe_success{probe="es"'), 'deadpool_probe_success{probe="es",module="url_probe"} 0');
  t.is(line(body, 'deadpool_probe_success{probe="db"'), 'deadpool_probe_success{probe="db",module="sql_probe"} 1');
  t.is(line(body, 'deadpool_pool_up{'), 'deadpool_pool_up{pool="search"} 0');
  t.is(line(body, 'deadpool_up '), 'deadpool_up 0');

  const stale = await serve(t, { writtenAgoMs: 60_000 });
  const staleBody = (await request(stale, '/metrics', { headers: AUTH })).body;
  t.is(line(staleBody, 'deadpool_probe_success{probe="db"'), 'deadpool_probe_success{probe="db",module="sql_probe"} 0');
  t.is(line(staleBody, 'deadpool_probe_success{probe="es"'), 'deadpool_probe_success{probe="es",module="url_probe"} 0');
  t.is(line(staleBody, 'deadpool_pool_up{'), 'deadpool_pool_up{pool="search"} 0');
  const age = Number(line(staleBody, 'deadpool_watcher_heartbeat_age_seconds ')?.split(' ')[1]);
  t.true(age >= 60 && age < 70, `age ${age}`);
});

test('deadpool_requests_total counts every route by code, fast path included, and an unknown path is "other", never the path asked', async (t) => {
  const origin = await serve(t);
  await request(origin, '/', { headers: AUTH });
  await request(origin, '/', { headers: AUTH });
  await request(origin, '/search');
  await request(origin, '/no/such/path-x1');
  await request(origin, '/another?x=1');
  const body = (await request(origin, '/metrics', { headers: AUTH })).body;
  t.is(line(body, 'deadpool_requests_total{route="/",code="200"}'), 'deadpool_requests_total{route="/",code="200"} 2');
  t.is(line(body, 'deadpool_requests_total{route="/search",code="511"}'), 'deadpool_requests_total{route="/search",code="511"} 1');
  t.is(line(body, 'deadpool_requests_total{route="other",code="404"}'), 'deadpool_requests_total{route="other",code="404"} 2');
  t.false(body.includes('path-x1'));
  t.false(body.includes('another'));
});

test("the watcher's text is joined in, its process metrics under the same families as the responder's; without it, deadpool_watcher_metrics_up 0", async (t) => {
  const shared = '# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes{process="watcher"} 123\n';
  const own = '# HELP deadpool_probe_checks_total x\n# TYPE deadpool_probe_checks_total counter\ndeadpool_probe_checks_total{probe="es",module="url_probe",result="pass"} 4\n';
  let budget = 0;
  // The rest in two pieces cut mid-line, as a socket may deliver it.
  const released: boolean[] = [];
  const withWatcher = await serve(t, { watcher: async (budgetMs) => ((budget = budgetMs), { shared, rest: [Buffer.from(own.slice(0, 40)), Buffer.from(own.slice(40))], release: (sent) => released.push(sent) }) });
  const answer = await request(withWatcher, '/metrics', { headers: { ...AUTH, 'X-Prometheus-Scrape-Timeout-Seconds': '1' } });
  t.is(budget, 750, "the watcher gets Prometheus' timeout less a quarter second");
  await waitFor(() => released.length > 0, 5000, 'the release of the watcher\'s bytes');
  t.deepEqual(released, [true], "the watcher's bytes are handed back once the answer went out");
  const body = answer.body;
  t.is(body.split('\n').filter((l) => l === '# TYPE process_resident_memory_bytes gauge').length, 1);
  t.regex(body, /process_resident_memory_bytes\{process="web"\} \d+\nprocess_resident_memory_bytes\{process="watcher"\} 123\n/);
  t.true(body.includes('deadpool_probe_checks_total{probe="es",module="url_probe",result="pass"} 4'));
  t.true(body.includes('deadpool_watcher_metrics_up 1'));
  t.is(spawnSync('promtool', ['check', 'metrics'], { input: body }).status, 0);

  const without = await serve(t, { watcher: async () => undefined });
  t.true((await request(without, '/metrics', { headers: AUTH })).body.includes('deadpool_watcher_metrics_up 0'));
});
