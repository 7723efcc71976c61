import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { createApp, type AppDeps } from '../../src/web/createApp.ts';
import type { FlagViewState } from '../../src/web/FlagView.ts';
import { startServer } from '../helpers/httpServers.ts';
import { freshFor } from '../helpers/freshness.ts';
import { constant, modelFor, modelOf } from '../helpers/healthModel.ts';
import type { HealthModel } from '../../src/verdict/healthModel.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { parseMark } from '../../src/marks/markFormat.ts';
import { request, type Answer } from './request.ts';

const TOKEN = 'WyI1NTE1MjhmNDMxY2Q3NTEwOTQxY2ZhYTgi.B_bF8g.t1oUMxHr';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

interface Setup {
  flags?: Record<string, string>;
  enabled?: string[];
  token?: string | undefined;
  web?: { base_url: string; name: string };
  getState?: () => FlagViewState;
}

/** The real app behind a real socket; the flag state is an input here (FlagView has its own tests). */
async function serve(t: { teardown(fn: () => Promise<void>): void }, setup: Setup = {}) {
  const records: LogRecord[] = [];
  const web = setup.web ?? { base_url: '/', name: 'DC-1' };
  const models = new Map<string, HealthModel>();
  // One model per name, as the responder keeps one per loaded config.
  const model = (): HealthModel => {
    const known = models.get(web.name) ?? modelFor(setup.enabled ?? ['elastic', 'mongo'], web.name);
    models.set(web.name, known);
    return known;
  };
  const state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map(Object.entries(setup.flags ?? {})) };
  const deps: AppDeps = {
    getState: setup.getState ?? (() => state),
    getModel: model,
    getMarks: () => NO_MARKS,
    getWebConfig: () => web,
    getToken: () => ('token' in setup ? setup.token : TOKEN),
    getFreshness: () => freshFor(setup.enabled ?? ['elastic', 'mongo']),
    logger: createLogger({ level: 'debug', sinks: [(record) => records.push(record)] }),
  };
  const server = await startServer(createApp(deps).callback());
  t.teardown(() => server.close());
  return { origin: server.origin, records, web };
}

function assertPlainNoStore(t: { is(a: unknown, b: unknown, m?: string): void }, answer: Answer): void {
  t.is(answer.headers['cache-control'], 'no-store', 'Cache-Control');
  t.is(answer.headers['content-type'], 'text/plain; charset=utf-8', 'Content-Type');
}

test('all probes alive: 200 with the server name and OK', async (t) => {
  const { origin } = await serve(t);
  const answer = await request(origin, '/', { headers: AUTH });
  t.is(answer.status, 200);
  t.is(answer.body, 'Server: DC-1 reports:\nOK\n');
  assertPlainNoStore(t, answer);
});

test('dead enabled probes: 503 listing each with its reason; disabled and unknown flags ignored', async (t) => {
  const { origin } = await serve(t, { flags: { mongo: 'timeout after 2 s', elastic: 'status 500 not in [200]', old: 'x', redis: 'y' }, enabled: ['elastic', 'mongo'] });
  const answer = await request(origin, '/', { headers: AUTH });
  t.is(answer.status, 503);
  t.is(answer.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [200]\nThe mongo is DEAD! timeout after 2 s\n');
  assertPlainNoStore(t, answer);
});

test('missing, wrong or non-Bearer credentials: 511 Auth ERR naming no probe', async (t) => {
  const { origin } = await serve(t, { flags: { elastic: 'status 500' } });
  const attempts: Record<string, string | undefined> = {
    missing: undefined,
    wrong: 'Bearer not-the-token',
    prefix: `Bearer ${TOKEN.slice(0, -1)}`,
    longer: `Bearer ${TOKEN}x`,
    basic: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
    bareToken: TOKEN,
    empty: 'Bearer ',
  };
  for (const [label, header] of Object.entries(attempts)) {
    const answer = await request(origin, '/', { headers: header === undefined ? {} : { Authorization: header } });
    t.is(answer.status, 511, label);
    t.is(answer.body, 'Auth ERR\n', label);
    t.false(answer.body.includes('elastic'), label);
    assertPlainNoStore(t, answer);
  }
});

test('the Bearer scheme and the header name are case-insensitive, surrounding spaces are tolerated, the first Authorization header counts', async (t) => {
  const { origin } = await serve(t);
  t.is((await request(origin, '/', { headers: { Authorization: `bearer   ${TOKEN} ` } })).status, 200);
  t.is((await request(origin, '/', { headers: { aUtHoRiZaTiOn: `Bearer ${TOKEN}` } })).status, 200, 'the header name in any case');
  // Of two Authorization headers the first counts, as in Node's req.headers.
  t.is((await request(origin, '/', { headers: { Authorization: [`Bearer ${TOKEN}`, 'Bearer wrong'] } })).status, 200);
  t.is((await request(origin, '/', { headers: { Authorization: ['Bearer wrong', `Bearer ${TOKEN}`] } })).status, 511);
});

test('no token configured: open to anyone', async (t) => {
  const { origin } = await serve(t, { token: undefined, flags: { elastic: 'down' } });
  const answer = await request(origin, '/');
  t.is(answer.status, 503);
  t.true(answer.body.includes('The elastic is DEAD! down'));
});

test('HEAD: same status and headers as GET, no body', async (t) => {
  const { origin } = await serve(t, { flags: { elastic: 'down' } });
  const get = await request(origin, '/', { headers: AUTH });
  const head = await request(origin, '/', { method: 'HEAD', headers: AUTH });
  t.is(head.status, 503);
  t.is(head.body, '');
  t.is(head.headers['content-length'], String(Buffer.byteLength(get.body)));
  assertPlainNoStore(t, head);
  t.is((await request(origin, '/', { method: 'HEAD' })).status, 511);
});

test('other paths: 404, with or without a token', async (t) => {
  const { origin } = await serve(t, { web: { base_url: '/health', name: 'DC-1' } });
  for (const path of ['/', '/health/x', '/healthz', '/HEALTH']) {
    const answer = await request(origin, path, { headers: AUTH });
    t.is(answer.status, 404, path);
    t.is(answer.body, 'Not Found\n');
    assertPlainNoStore(t, answer);
  }
  t.is((await request(origin, '/health?from=cloudflare', { headers: AUTH })).status, 200);
});

test('other methods on the base path: 405 with Allow: GET, HEAD', async (t) => {
  const { origin } = await serve(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const answer = await request(origin, '/', { method, headers: AUTH });
    t.is(answer.status, 405, method);
    t.is(answer.headers.allow, 'GET, HEAD', method);
    assertPlainNoStore(t, answer);
  }
});

test('an error while answering: 500 with a plain body, no stack, logged', async (t) => {
  const { origin, records } = await serve(t, {
    getState: () => {
      throw new Error('view exploded at /secret/path');
    },
  });
  const answer = await request(origin, '/', { headers: AUTH });
  t.is(answer.status, 500);
  t.is(answer.body, 'Internal Server Error\n');
  assertPlainNoStore(t, answer);
  t.true(records.some((r) => r.level === 'error' && r.message.includes('view exploded')));
  t.is((await request(origin, '/', { headers: AUTH })).status, 500, 'still serving');
});

test('base_url and name are read per request, so a reload takes effect; special characters match literally', async (t) => {
  const { origin, web } = await serve(t);
  web.base_url = '/health:dc1(a)';
  web.name = 'DC-2';
  t.is((await request(origin, '/', { headers: AUTH })).status, 404);
  const answer = await request(origin, '/health:dc1(a)', { headers: AUTH });
  t.is(answer.status, 200);
  t.is(answer.body, 'Server: DC-2 reports:\nOK\n');
  t.is((await request(origin, '/health:dc1a', { headers: AUTH })).status, 404);
});

test('the token never reaches the log', async (t) => {
  const { origin, records } = await serve(t, { flags: { elastic: 'down' } });
  await request(origin, '/', { headers: AUTH });
  await request(origin, '/', { headers: { Authorization: 'Bearer guess' } });
  await request(origin, '/nope', { headers: AUTH });
  t.true(records.length > 0);
  const logged = JSON.stringify(records);
  t.false(logged.includes(TOKEN));
  t.false(logged.includes('guess'));
});

test('requests answered 511 are handed on with their client address only, both through the fast path and through Koa; none is logged above debug', async (t) => {
  const records: LogRecord[] = [];
  const unauthorized: (string | undefined)[] = [];
  const server = await startServer(
    createApp({
      getState: () => ({ folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map() }),
      getModel: constant(modelFor(['elastic'])),
      getMarks: () => NO_MARKS,
      getWebConfig: () => ({ base_url: '/' }),
      getToken: () => TOKEN,
      getFreshness: () => freshFor(['elastic']),
      onUnauthorized: (remote) => unauthorized.push(remote),
      logger: createLogger({ level: 'debug', sinks: [(record) => records.push(record)] }),
    }).callback(),
  );
  t.teardown(() => server.close());
  await request(server.origin, '/', { headers: { Authorization: 'Bearer guess' } });
  await request(server.origin, '/', { method: 'HEAD' });
  // A base_url with a query string is left to Koa.
  await request(server.origin, '/?x=1', { headers: { Authorization: 'Bearer guess' } });
  await request(server.origin, '/', { headers: AUTH });
  t.is(unauthorized.length, 3);
  t.true(unauthorized.every((remote) => /^(::ffff:)?127\.0\.0\.1$/.test(remote ?? '')), JSON.stringify(unauthorized));
  t.deepEqual(records.filter((r) => r.level !== 'debug'), []);
  t.false(JSON.stringify(records).includes('guess'));
});

test('pool paths answer for their categories, through the fast path as through Koa; ?categories= selects, and a typo is a 400', async (t) => {
  const model = modelOf({
    WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
    categories: { search: {} },
    probes: { es: { module: 'url_probe', categories: ['search'] }, db: { module: 'url_probe' } },
  });
  const server = await startServer(
    createApp({
      getState: () => ({ folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map([['db', 'ECONNREFUSED']]) }),
      getModel: () => model,
      getMarks: () => NO_MARKS,
      getWebConfig: () => ({ base_url: '/' }),
      getToken: () => TOKEN,
      getFreshness: () => freshFor(['es', 'db']),
      logger: createLogger({ level: 'info', sinks: [] }),
    }).callback(),
  );
  t.teardown(() => server.close());
  const search = await request(server.origin, '/search', { headers: AUTH });
  t.is(search.status, 200);
  t.is(search.body, 'Server: DC-1 reports:\nOK\n');
  assertPlainNoStore(t, search);
  t.is((await request(server.origin, '/search?x=1', { headers: AUTH })).status, 200, 'through Koa');
  t.is((await request(server.origin, '/', { headers: AUTH })).status, 503);
  t.is((await request(server.origin, '/?categories=search', { headers: AUTH })).status, 200);
  t.is((await request(server.origin, '/search?categories=default', { headers: AUTH })).status, 503);
  t.is((await request(server.origin, '/search')).status, 511);
  const typo = await request(server.origin, '/?categories=serch,default', { headers: AUTH });
  t.is(typo.status, 400);
  t.is(typo.body, 'unknown category "serch" (did you mean "search"?); expected some of default, search\n');
  const health = await request(server.origin, '/__health?categories=search', { headers: AUTH });
  t.is(health.status, 200);
  t.is(health.headers['content-type'], 'application/json; charset=utf-8');
  t.is(health.headers['cache-control'], 'no-store');
  t.like(JSON.parse(health.body), { schemaVersion: 1, systemCode: 'dc-1', ok: true, checks: [{ id: 'es', ok: true, checkOutput: 'OK' }] });
  const gtg = await request(server.origin, '/__gtg', { method: 'HEAD', headers: AUTH });
  t.is(gtg.status, 503);
});

test('/__health: lastUpdated is each probe\'s last check, not the state file\'s write; the base URL and pools never read the checks', async (t) => {
  const freshness = freshFor(['elastic', 'mongo']);
  const checkedAt = freshness.now - 4321;
  let reads = 0;
  const checks = new Map([['elastic', { at: checkedAt, duration_ms: 15, ok: true, since: checkedAt - 60_000 }]]);
  Object.defineProperty(freshness.watcher.state, 'checks', { get: () => (reads++, checks) });
  Object.defineProperty(freshness.watcher.state, 'checkOf', { value: (probe: string) => (reads++, checks.get(probe)) });
  const server = await startServer(
    createApp({
      getState: () => ({ folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map() }),
      getModel: () => modelFor(['elastic', 'mongo'], 'DC-1'),
      getMarks: () => NO_MARKS,
      getWebConfig: () => ({ base_url: '/' }),
      getToken: () => TOKEN,
      getFreshness: () => freshness,
      logger: createLogger({ level: 'info', sinks: [] }),
    }).callback(),
  );
  t.teardown(() => server.close());
  t.is((await request(server.origin, '/', { headers: AUTH })).status, 200);
  t.is((await request(server.origin, '/?categories=default', { headers: AUTH })).status, 200);
  t.is((await request(server.origin, '/__gtg', { headers: AUTH })).status, 200);
  t.is(reads, 0);
  const health = JSON.parse((await request(server.origin, '/__health', { headers: AUTH })).body) as { checks: { id: string; lastUpdated: string }[] };
  t.deepEqual(health.checks.map((check) => [check.id, check.lastUpdated]), [
    ['elastic', new Date(checkedAt).toISOString()],
    ['mongo', new Date(freshness.watcher.state!.written_at).toISOString()],
  ]);
});

test('?cache=false: after the token check, the selected probes are forced, the flags rescanned, and the answer comes from both; a plain request keeps the state file\'s answer', async (t) => {
  const model = modelOf({
    WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
    categories: { search: {} },
    probes: { es: { module: 'url_probe', categories: ['search'] }, db: { module: 'url_probe' } },
  });
  const freshness = freshFor(['es', 'db']);
  const asked: string[][] = [];
  let flags = new Map<string, string>();
  const forcedAt = freshness.now + 50;
  const result = { at: forcedAt, duration_ms: 9, ok: false, since: forcedAt, reason: 'status 500 not in [2xx]', state: 'down' as const, down_reason: 'status 500 not in [2xx]' };
  const server = await startServer(
    createApp({
      getState: () => ({ folder: '/flags', folderOk: true, folderProblem: undefined, flags }),
      getModel: () => model,
      getMarks: () => NO_MARKS,
      getWebConfig: () => ({ base_url: '/' }),
      getToken: () => TOKEN,
      getFreshness: () => freshness,
      forced: {
        check: async (names) => {
          asked.push([...names]);
          return new Map(names.includes('es') ? [['es', result]] : []);
        },
        rescanFlags: async () => void (flags = new Map([['db', 'made by hand']])),
      },
      logger: createLogger({ level: 'info', sinks: [] }),
    }).callback(),
  );
  t.teardown(() => server.close());

  t.is((await request(server.origin, '/?cache=false')).status, 511);
  t.is((await request(server.origin, '/__health?cache=false')).status, 511);
  t.deepEqual(asked, [], 'a 511 runs no check');

  t.is((await request(server.origin, '/search', { headers: AUTH })).status, 200, 'a plain request: the state file says up');
  const search = await request(server.origin, '/search?cache=false', { headers: AUTH });
  t.is(search.status, 503);
  t.is(search.body, 'Server: DC-1 reports:\nThe es is DEAD! status 500 not in [2xx]\n');
  t.deepEqual(asked, [['es']], 'the pool\'s probes only');

  const all = await request(server.origin, '/?cache=false', { headers: AUTH });
  t.is(all.body, 'Server: DC-1 reports:\nThe db is DEAD! made by hand\nThe es is DEAD! status 500 not in [2xx]\n', 'a hand-made flag still counts');
  t.deepEqual(asked[1], ['db', 'es']);

  const health = JSON.parse((await request(server.origin, '/__health?cache=false', { headers: AUTH })).body) as { checks: { id: string; lastUpdated: string; checkOutput: string }[] };
  t.like(health.checks[1], { id: 'es', lastUpdated: new Date(forcedAt).toISOString(), checkOutput: 'status 500 not in [2xx]' });
  t.is((await request(server.origin, '/__gtg?cache=false', { headers: AUTH })).status, 503);
  t.is(asked.length, 4);
});

test('maintenance: the base URL, every pool and /__gtg answer 503 with the reason; /__health lists it', async (t) => {
  const model = modelOf({
    WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
    categories: { search: {} },
    probes: { es: { module: 'url_probe', categories: ['search'] }, db: { module: 'url_probe' } },
  });
  const now = Date.now();
  const maint = parseMark('maint', undefined, '/flags/maint', `new switches\nby: carol\nat: ${new Date(now).toISOString()}\n`, now);
  const server = await startServer(
    createApp({
      getState: () => ({ folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map() }),
      getModel: () => model,
      getMarks: () => ({ ...NO_MARKS, maint: [maint] }),
      getWebConfig: () => ({ base_url: '/' }),
      getToken: () => TOKEN,
      getFreshness: () => freshFor(['es', 'db']),
      logger: createLogger({ level: 'info', sinks: [] }),
    }).callback(),
  );
  t.teardown(() => server.close());
  for (const path of ['/', '/search', '/search?x=1']) {
    const answer = await request(server.origin, path, { headers: AUTH });
    t.is(answer.status, 503, path);
    t.is(answer.body, 'Server: DC-1 reports:\nin maintenance by carol until removed: new switches\n', path);
  }
  const gtg = await request(server.origin, '/__gtg', { headers: AUTH });
  t.is(gtg.status, 503);
  t.is(gtg.body, 'in maintenance by carol until removed: new switches\n');
  const health = JSON.parse((await request(server.origin, '/__health', { headers: AUTH })).body) as { ok: boolean; checks: { id: string; ok: boolean; checkOutput: string }[] };
  t.false(health.ok);
  t.like(health.checks.find((check) => check.id === 'maint'), { ok: false, checkOutput: 'in maintenance by carol until removed: new switches' });
});
