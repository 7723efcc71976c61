import test from 'ava';
import { chown, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPair, TOKEN } from '../helpers/deadpoolPair.ts';
import { runDeadpool } from '../helpers/deadpoolProcess.ts';
import { pollResponder, type Answer } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

// Generous: the machine may be busy with other DeadPools; a test that is fine returns as soon as it may.
const BOUND_MS = 30_000;
const probe = (name: string, url: string, extra = '') => `  ${name}:\n    module: url_probe\n    period: 0.3\n    query: { url: '${url}', timeout: 3 }\n${extra}`;
const POOLS = 'pools: { search: { path: /search, categories: [search] }, api: { path: /api, categories: [api] } }';

async function backends(t: { teardown(fn: () => Promise<void>): void }, count: number) {
  const list = await Promise.all(Array.from({ length: count }, () => startToggleBackend()));
  t.teardown(async () => void (await Promise.all(list.map((b) => b.close()))));
  return list;
}

/** A DC with a search pool (two Elasticsearch nodes, resilient) and an api pool (one database). */
async function twoPools(t: Parameters<typeof startPair>[0], sticky = false) {
  const [es1, es2, db] = await backends(t, 3);
  const pair = await startPair(t, {
    web: `${POOLS}, system_code: dc1-deadpool`,
    sections: `categories:\n  search: { resilient: true, min_passing: 1, sticky: ${sticky} }\n  api: {}\n`,
    probes:
      probe('es-1', es1!.url, '    categories: [search]\n    group: elasticsearch\n    business_impact: Search returns errors\n    panic_guide: https://wiki.example/es\n') +
      probe('es-2', es2!.url, '    categories: [search]\n    group: elasticsearch\n') +
      probe('db', db!.url, '    categories: [api]\n    severity: 2\n'),
  });
  let last = '';
  const answer = (urlPath: string, predicate: (a: Answer) => boolean, what: string) =>
    waitFor(async () => {
      const got = await pair.ask(urlPath);
      last = `${got.status} ${JSON.stringify(got.body)}`;
      return predicate(got) ? got : undefined;
    }, BOUND_MS, () => `${what} (last answer of ${urlPath}: ${last})`);
  const cli = (...args: string[]) => runDeadpool([...args, '-c', pair.config], pair.user ? { user: pair.user } : {});
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  return { pair, es1: es1!, es2: es2!, db: db!, answer, cli };
}

test.serial('two pools against real backends: a failing database takes the api pool down, the search pool stays 200; /__gtg and /__health say why', async (t) => {
  const { pair, db, es1, answer } = await twoPools(t);
  db.setHealthy(false);
  const down = await answer('/api', (a) => a.status === 503, 'the api pool to fail');
  t.is(down.body, 'Server: DC-1 reports:\nThe db is DEAD! status 500 not in [2xx]\n');
  t.is((await pair.ask('/search')).status, 200);
  t.is((await pair.ask('/')).status, 503, 'the base URL needs every category');
  t.is((await pair.ask('/?categories=search')).status, 200, '?categories= selects on the base URL');
  t.is((await pair.ask('/search?categories=api')).status, 503, 'and on a pool path');
  const typo = await pair.ask('/?categories=serch');
  t.is(typo.status, 400);
  t.regex(typo.body, /unknown category "serch" \(did you mean "search"\?\)/);

  // One Elasticsearch node down: its resilient group still has one, so search stays up, naming it.
  es1.setHealthy(false);
  const tolerated = await answer('/search', (a) => a.body.includes('es-1'), 'es-1 to be named');
  t.is(tolerated.status, 200, tolerated.body);
  t.is(tolerated.body, 'Server: DC-1 reports:\nOK\nThe es-1 is DEAD! status 500 not in [2xx]\nsearch: elasticsearch has 1 of 2 passing, needs 1\n');

  const gtg = await fetch(`${pair.origin}/__gtg`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  t.is(gtg.status, 503);
  t.is(gtg.headers.get('cache-control'), 'no-store');
  t.is(gtg.headers.get('content-type'), 'text/plain; charset=utf-8');
  t.true((await gtg.text()).startsWith('The db is DEAD! status 500 not in [2xx]\n'));
  const gtgSearch = await fetch(`${pair.origin}/__gtg?categories=search`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  t.is(gtgSearch.status, 200);
  t.is(await gtgSearch.text(), 'OK\n');
  t.is((await fetch(`${pair.origin}/__gtg`)).status, 511);
  t.is((await fetch(`${pair.origin}/__health`)).status, 511);

  const health = await fetch(`${pair.origin}/__health`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  t.is(health.status, 200, 'always 200 when authorized (the FT standard)');
  t.is(health.headers.get('cache-control'), 'no-store');
  const document = (await health.json()) as Record<string, unknown> & { checks: Record<string, unknown>[] };
  t.deepEqual(Object.keys(document).sort(), ['checks', 'description', 'name', 'ok', 'schemaVersion', 'systemCode']);
  t.like(document, { schemaVersion: 1, systemCode: 'dc1-deadpool', name: 'DC-1', ok: false });
  t.deepEqual(document.checks.map((c) => [c['id'], c['ok']]), [['db', false], ['es-1', false], ['es-2', true]], 'every probe, passing ones too');
  for (const check of document.checks) {
    t.deepEqual(Object.keys(check).sort(), ['businessImpact', 'checkOutput', 'id', 'lastUpdated', 'name', 'ok', 'panicGuide', 'severity', 'technicalSummary']);
    t.false(Number.isNaN(Date.parse(String(check['lastUpdated']))));
  }
  t.like(document.checks[0], { severity: 2, checkOutput: 'status 500 not in [2xx]' });
  t.like(document.checks[1], { severity: 1, businessImpact: 'Search returns errors', panicGuide: 'https://wiki.example/es' });
  const searchOnly = (await (await fetch(`${pair.origin}/__health?categories=search`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { ok: boolean; checks: unknown[] };
  t.is(searchOnly.ok, true);
  t.is(searchOnly.checks.length, 2);
});

test.serial('drain and undrain through the CLI (a pool, then the DC) and by hand; no 200 while the DC is drained', async (t) => {
  const { pair, answer, cli } = await twoPools(t);
  const drained = await cli('drain', '--pool', 'search', '--reason', 'reindexing', '--for', '30m', '--user', 'alice');
  t.is(drained.code, 0, drained.stderr);
  const search = await answer('/search', (a) => a.status === 503, 'the search pool drained');
  t.regex(search.body, /^Server: DC-1 reports:\npool search drained by alice until \S+Z \((30|29) min left\): reindexing\n$/);
  t.is((await pair.ask('/api')).status, 200, 'the other pool keeps its traffic');
  t.is((await pair.ask('/')).status, 200, 'the base URL is not the pool');
  t.is((await cli('undrain', '--pool', 'search')).code, 0);
  await answer('/search', (a) => a.status === 200, 'the search pool back');

  const poll = pollResponder(pair.origin, TOKEN, 5, '/api');
  t.teardown(() => poll.stop());
  await writeFile(path.join(pair.folder, 'drain'), 'moving racks\n');
  // Read as soon as the file appears: its first answer may come before the text is written into it.
  const byHand = await answer('/api', (a) => a.status === 503 && a.body.includes('moving racks'), 'the hand-made drain');
  t.is(byHand.body, 'Server: DC-1 reports:\ndrained by hand until removed: moving racks\n');
  poll.reset();
  const status = await cli('status');
  t.is(status.code, 1, 'the base URL would answer 503');
  t.regex(status.stdout, /drained by hand until removed: moving racks/);
  await waitFor(() => poll.count(503) >= 3, BOUND_MS, 'a few answers while drained');
  await poll.stop();
  t.is(poll.count(200), 0, 'no 200 while the DC is drained');
  await rm(path.join(pair.folder, 'drain'));
  await answer('/api', (a) => a.status === 200, 'the drain removed by hand');

  t.is((await cli('drain', '--reason', 'maintenance', '--for', '2s')).code, 0);
  await answer('/', (a) => a.status === 503 && /drained by \S+ until \S+ \(\d s left\): maintenance/.test(a.body), 'the DC drained for 2 s');
  await answer('/', (a) => a.status === 200, 'the drain to end by itself');
  const after = await cli('status');
  t.is(after.code, 0, after.stdout);
});

test.serial('ack: the failure is shown but stops counting, until the ack expires; a broken ack file is ignored', async (t) => {
  const { pair, db, answer, cli } = await twoPools(t);
  db.setHealthy(false);
  await answer('/api', (a) => a.status === 503, 'the api pool to fail');
  // Long enough for the two CLI runs below on a busy machine; the wait for its end is bounded.
  const acked = await cli('ack', 'db', '--reason', 'migrating', '--for', '10s', '--user', 'bob');
  t.is(acked.code, 0, acked.stderr);
  const ok = await answer('/api', (a) => a.status === 200, 'the acked failure to stop counting');
  t.regex(ok.body, /^Server: DC-1 reports:\nOK\nThe db is DEAD! status 500 not in \[2xx\]; ACKED by bob until \S+Z: migrating\n$/);
  const health = (await (await fetch(`${pair.origin}/__health`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as { checks: { id: string; ok: boolean; ack?: string }[] };
  t.regex(health.checks.find((c) => c.id === 'db')?.ack ?? '', /^ACKED by bob until/);
  const json = JSON.parse((await cli('status', '--json')).stdout) as { probes: { name: string; ack: { by: string } | null }[] };
  t.is(json.probes.find((p) => p.name === 'db')?.ack?.by, 'bob');
  await answer('/api', (a) => a.status === 503, 'the ack to expire by itself');

  await writeFile(path.join(pair.folder, 'acks', 'db'), 'migrating\nuntil: next tuesday\n');
  if (pair.user) await chown(path.join(pair.folder, 'acks', 'db'), pair.user.uid, pair.user.gid);
  const status = await cli('status');
  t.regex(status.stdout, /ack \S+acks\/db ignored: until: "next tuesday" is not a time/);
  t.is((await pair.ask('/api')).status, 503, 'an unparseable ack is ignored: the probe counts');
  await waitFor(() => /ack of probe db: until: "next tuesday" is not a time .*; ignored: the probe counts/.test(pair.web!.stdout), BOUND_MS, 'the broken ack to be logged');
  t.is((await cli('unack', 'db')).code, 0);
});

test.serial('a sticky category stays failed after its probes recover, through a restart of both processes, until deadpool unstick', async (t) => {
  const { pair, es1, es2, answer, cli } = await twoPools(t, true);
  es1.setHealthy(false);
  es2.setHealthy(false);
  await answer('/search', (a) => a.status === 503 && a.body.includes('0 of 2 passing'), 'the search pool to fail');
  await waitFor(async () => (await cli('status')).stdout.includes('stays failed'), BOUND_MS, 'the sticky mark');
  es1.setHealthy(true);
  es2.setHealthy(true);
  // Only the sticky line left: the probes pass again.
  const stuck = await answer('/search', (a) => a.status === 503 && a.body.split('\n').length === 3, 'the probes to pass again');
  t.regex(stuck.body, /^Server: DC-1 reports:\nsearch: failed at \S+Z and stays failed: .*0 of 2 passing.* \(deadpool unstick search\)\n$/);
  t.is((await pair.ask('/api')).status, 200, 'the api pool does not need search');

  for (const proc of [pair.web!, pair.watcher!]) {
    proc.child.kill('SIGTERM');
    await proc.exited(10_000);
  }
  pair.start('web');
  pair.start('watcher');
  await answer('/api', (a) => a.status === 200, 'both processes back');
  t.is((await pair.ask('/search')).status, 503, 'still sticky after the restart');

  const unstuck = await cli('unstick', 'search');
  t.is(unstuck.code, 0, unstuck.stderr);
  await answer('/search', (a) => a.status === 200, 'the search pool back after unstick');
  t.is((await cli('unstick', 'serch')).code, 2);
});
