import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPair, TOKEN } from '../helpers/deadpoolPair.ts';
import { startRealServer } from '../helpers/realServer.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

const probe = (name: string, url: string, category: string) => `  ${name}:\n    module: url_probe\n    period: 0.5\n    categories: [${category}]\n    query: { url: '${url}', timeout: 2 }\n`;
// Generous: the machine may be busy; a test that is fine returns as soon as it may.
const BOUND_MS = 60_000;

/** A real Prometheus (Debian's) scraping the responder every second with the token from a credentials_file. */
async function startPrometheus(t: Parameters<typeof startRealServer>[0], target: string) {
  let config = '';
  const prometheus = await startRealServer(
    t,
    'prometheus',
    (port, dir) => [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    /Server is ready to receive web requests/,
    STARTUP_MS,
    async (dir) => {
      const credentials = path.join(dir, 'token');
      await writeFile(credentials, `${TOKEN}\n`, { mode: 0o600 });
      config = path.join(dir, 'prometheus.yml');
      await writeFile(
        config,
        `global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: deadpool
    metrics_path: /metrics
    authorization: { credentials_file: ${credentials} }
    static_configs: [{ targets: ['${target}'] }]
`,
      );
    },
  );
  const api = `http://127.0.0.1:${prometheus.port}`;
  const query = async (promql: string): Promise<Map<string, string>> => {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    const body = (await response?.json().catch(() => undefined)) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } } | undefined;
    return new Map((body?.data?.result ?? []).map((row) => [row.metric['probe'] ?? row.metric['pool'] ?? row.metric['__name__'] ?? '', row.value[1]]));
  };
  return { prometheus, query };
}

test('a real Prometheus scraping /metrics every second with a credentials_file sees deadpool_probe_success of every probe, and it changes when a backend fails; promtool check metrics passes; a frozen watcher shows 0, never old passes', async (t) => {
  const [es, db] = await Promise.all([startToggleBackend(), startToggleBackend()]);
  t.teardown(async () => void (await Promise.all([es.close(), db.close()])));
  const pair = await startPair(t, {
    web: 'pools: { search: { path: /search, categories: [search] }, api: { path: /api, categories: [api] } }',
    sections: 'categories:\n  search: {}\n  api: {}\n',
    probes: probe('es', es.url, 'search') + probe('db', db.url, 'api'),
  });
  const target = new URL(pair.origin).host;

  const denied = await fetch(`${pair.origin}/metrics`, { signal: AbortSignal.timeout(BOUND_MS) });
  t.is(denied.status, 511, 'no token, no metrics');

  const { query } = await startPrometheus(t, target);
  await waitFor(async () => {
    const success = await query('deadpool_probe_success');
    return success.get('es') === '1' && success.get('db') === '1';
  }, BOUND_MS, 'Prometheus to have deadpool_probe_success 1 for es and db');
  const pools = await query('deadpool_pool_up');
  t.deepEqual([pools.get('search'), pools.get('api')], ['1', '1']);
  const checks = await waitFor(async () => {
    const found = await query('sum by (probe) (deadpool_probe_checks_total)');
    return found.size === 2 ? found : undefined;
  }, BOUND_MS, "the watcher's counters in Prometheus");
  t.true(Number(checks.get('es')) >= 1);
  t.is((await query('up{job="deadpool"}')).get('up'), '1', 'the scrape itself succeeds');

  es.setHealthy(false);
  await waitFor(async () => (await query('deadpool_probe_success')).get('es') === '0', BOUND_MS, 'Prometheus to see es fail');
  await waitFor(async () => (await query('deadpool_pool_up')).get('search') === '0', BOUND_MS, 'Prometheus to see the search pool down');
  t.is((await query('deadpool_pool_up')).get('api'), '1', 'the other pool stays up');
  await waitFor(async () => Number((await query('deadpool_probe_state_changes_total{probe="es"}')).get('es')) >= 2, BOUND_MS, 'the state change counted');

  const text = await (await fetch(`${pair.origin}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(BOUND_MS) })).text();
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.is(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);
  for (const name of ['deadpool_probe_duration_seconds', 'deadpool_watcher_heartbeat_age_seconds', 'deadpool_schedule_drift_seconds_bucket', 'deadpool_requests_total', 'process_resident_memory_bytes{process="web"}', 'process_resident_memory_bytes{process="watcher"}']) {
    t.true(text.includes(name), `${name} in /metrics`);
  }

  // A frozen watcher: its last word said db passes, but that word goes stale.
  pair.watcher!.child.kill('SIGSTOP');
  t.teardown(() => void pair.watcher!.child.kill('SIGCONT'));
  await waitFor(async () => (await query('deadpool_probe_success')).get('db') === '0', BOUND_MS, 'db to show 0 once the watcher is silent');
  t.is((await query('deadpool_pool_up')).get('api'), '0');
  t.is((await query('deadpool_watcher_metrics_up')).get('deadpool_watcher_metrics_up'), '0', 'no watcher part while it is frozen');
  t.true(Number((await query('deadpool_watcher_heartbeat_age_seconds')).get('deadpool_watcher_heartbeat_age_seconds')) > 1);
});
