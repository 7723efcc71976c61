import test from 'ava';
import { startCarbon } from '../helpers/carbon.ts';
import { startPair } from '../helpers/deadpoolPair.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { waitFor } from '../helpers/waitFor.ts';

const probe = (name: string, url: string, category: string) => `  ${name}:\n    module: url_probe\n    period: 0.5\n    categories: [${category}]\n    query: { url: '${url}', timeout: 2 }\n`;
const BOUND_MS = 60_000;

test("the watcher sends probes' up and duration_ms, pools' up and alive to a real carbon-cache every interval; whisper holds them, and a failing backend shows as 0", async (t) => {
  const carbon = await startCarbon(t);
  const [es, db] = await Promise.all([startToggleBackend(), startToggleBackend()]);
  t.teardown(async () => void (await Promise.all([es.close(), db.close()])));
  await startPair(t, {
    generic: `graphite: { server: 127.0.0.1, port: ${carbon.port}, interval: 1 }`,
    web: 'pools: { search: { path: /search, categories: [search] }, api: { path: /api, categories: [api] } }',
    sections: 'categories:\n  search: {}\n  api: {}\n',
    probes: probe('es.1', es.url, 'search') + probe('db', db.url, 'api'),
  });
  // WEB.name DC-1: the default prefix is deadpool.dc-1; "es.1" is one node, es_1.
  const last = async (metric: string): Promise<number | undefined> => (await carbon.values(metric)).at(-1);
  const lasts = async (...metrics: string[]): Promise<(number | undefined)[]> => Promise.all(metrics.map((metric) => last(`deadpool.dc-1.${metric}`)));
  await waitFor(
    async () => (await lasts('alive', 'probes.es_1.up', 'probes.db.up', 'pools.search.up', 'pools.api.up')).every((value) => value === 1),
    BOUND_MS,
    'whisper to hold alive, both probes up and both pools up',
  );
  const duration = await last('deadpool.dc-1.probes.es_1.duration_ms');
  t.true(duration !== undefined && duration > 0 && duration < 2000, `duration_ms ${duration}`);

  es.setHealthy(false);
  await waitFor(async () => (await lasts('probes.es_1.up', 'pools.search.up')).every((value) => value === 0), BOUND_MS, 'es and the search pool to be 0 in whisper');
  t.deepEqual(await lasts('probes.db.up', 'pools.api.up', 'alive'), [1, 1, 1], 'the other probe and pool stay up; the pilot light is on');
});
