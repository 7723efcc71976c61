import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseWatcherState, STATE_FILE } from '../../src/flag-store/watcherState.ts';
import { FORCE_SOCKET } from '../../src/watcher-link/forceProtocol.ts';
import { startPair, TOKEN } from '../helpers/deadpoolPair.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

// Checked once a day: after the first check, only `?cache=false` checks again, so a plain request keeps the old answer.
const probe = (name: string, url: string, category: string) => `  ${name}:\n    module: url_probe\n    period: 86400\n    categories: [${category}]\n    query: { url: '${url}', timeout: 2 }\n`;
// Generous: the machine may be busy with other DeadPools; a test that is fine returns as soon as it may.
const BOUND_MS = 30_000;

async function twoPools(t: Parameters<typeof startPair>[0]) {
  const [es, db] = await Promise.all([startToggleBackend(), startToggleBackend()]);
  t.teardown(async () => void (await Promise.all([es.close(), db.close()])));
  const pair = await startPair(t, {
    web: 'pools: { search: { path: /search, categories: [search] }, api: { path: /api, categories: [api] } }',
    sections: 'categories:\n  search: {}\n  api: {}\n',
    probes: probe('es', es.url, 'search') + probe('db', db.url, 'api'),
  });
  await waitFor(async () => {
    const state = parseWatcherState(await readFile(path.join(pair.folder, STATE_FILE), 'utf8').catch(() => ''));
    return state?.checks.get('es')?.ok && state.checks.get('db')?.ok && existsSync(path.join(pair.folder, FORCE_SOCKET)) && (await pair.ask()).status === 200;
  }, STARTUP_MS, 'a first result for every probe, the watcher\'s socket and the first 200');
  return { pair, es, db };
}

const get = (origin: string, urlPath: string, token: string | null = TOKEN) =>
  fetch(origin + urlPath, { headers: token === null ? {} : { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(BOUND_MS) });

test('?cache=false sees a backend that flipped a moment ago, on a pool path and on the base URL, where a plain request still has the old answer; /__health?cache=false has fresh lastUpdated; without the token, a 511 and no check', async (t) => {
  const { pair, es, db } = await twoPools(t);

  const before = [es.requests, db.requests];
  t.is((await get(pair.origin, '/?cache=false', null)).status, 511);
  t.is((await get(pair.origin, '/__health?cache=false', 'wrong')).status, 511);
  t.deepEqual([es.requests, db.requests], before, 'a 511 runs no check');

  const asked = Date.now();
  const health = (await (await get(pair.origin, '/__health?cache=false')).json()) as { checks: { id: string; lastUpdated: string }[] };
  for (const check of health.checks) t.true(Date.parse(check.lastUpdated) >= asked, `${check.id} checked at ${check.lastUpdated}, asked at ${new Date(asked).toISOString()}`);
  t.deepEqual([es.requests, db.requests], [before[0]! + 1, before[1]! + 1], 'each probe checked once');

  es.setHealthy(false);
  t.is((await pair.ask('/search')).status, 200, 'a plain request: the old answer until the next scheduled check');
  // Within a second of the last forced check the watcher answers with that one: asked again until the next runs.
  const search = await waitFor(async () => {
    const answer = await pair.ask('/search?cache=false');
    return answer.status === 503 ? answer : undefined;
  }, BOUND_MS, 'the search pool to fail with cache=false');
  t.is(search.body, 'Server: DC-1 reports:\nThe es is DEAD! status 500 not in [2xx]\n');
  t.is((await pair.ask('/api')).status, 200, 'the other pool');

  db.setHealthy(false);
  t.is((await pair.ask('/api')).status, 200, 'a plain request: the old answer');
  const all = await waitFor(async () => {
    const answer = await pair.ask('/?cache=false');
    return answer.body.includes('The db is DEAD!') ? answer : undefined;
  }, BOUND_MS, 'the base URL to name db with cache=false');
  t.is(all.status, 503);
  t.is(all.body, 'Server: DC-1 reports:\nThe db is DEAD! status 500 not in [2xx]\nThe es is DEAD! status 500 not in [2xx]\n');

  es.setHealthy(true);
  db.setHealthy(true);
  const gtg = await waitFor(async () => {
    const answer = await get(pair.origin, '/__gtg?cache=false');
    return answer.status === 200 ? answer.text() : undefined;
  }, BOUND_MS, '/__gtg to recover with cache=false');
  t.is(gtg, 'OK\n');
  // Coming up needs the flags gone and the watcher's next state read (polled every 25 ms), as for a scheduled check.
  await waitFor(async () => (await pair.ask()).status === 200, BOUND_MS, 'plain requests to see the recovery the forced checks wrote');
});

test('a flood of 1,000 concurrent ?cache=false requests runs each probe at most once a second, and every request is answered', async (t) => {
  const { pair, es, db } = await twoPools(t);
  const backends = [es, db];
  const before = backends.map((b) => b.requests);
  const started = Date.now();
  // Launched over about 2.5 s, all in flight together; each path forces the probes it selects.
  const paths = ['/?cache=false', '/search?cache=false', '/api?cache=false', '/__gtg?cache=false', '/__health?cache=false'];
  const requests: Promise<number>[] = [];
  for (let i = 0; i < 1000; i++) {
    requests.push(get(pair.origin, paths[i % paths.length]!).then((response) => response.text().then(() => response.status)).catch(() => 0));
    if (i % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const statuses = await Promise.all(requests);
  const seconds = (Date.now() - started) / 1000;
  const runs = backends.map((b, i) => b.requests - before[i]!);
  t.log(`1,000 ?cache=false requests over ${seconds.toFixed(1)} s: ${runs.join(' and ')} checks of es and db`);
  for (const count of runs) t.true(count >= 1 && count <= Math.floor(seconds) + 1, `${count} checks in ${seconds} s`);
  t.is(statuses.filter((status) => status === 200).length, 1000, `answers: ${[...new Set(statuses)].join(', ')}`);
});
