import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { createApp } from '../../src/web/createApp.ts';
import type { FlagViewState } from '../../src/web/FlagView.ts';
import { freshFor } from '../helpers/freshness.ts';
import { constant, modelOf } from '../helpers/healthModel.ts';
import { startServer } from '../helpers/httpServers.ts';
import { request } from './request.ts';

const TOKEN = 'WyI1NTE1MjhmNDMxY2Q3NTEwOTQxY2ZhYTgi.B_bF8g.t1oUMxHr';
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The real app behind a real socket, with one pool and a failing probe. */
async function serve(t: { teardown(fn: () => Promise<void>): void }, options: { token?: string | undefined; name?: string } = {}) {
  const token = 'token' in options ? options.token : TOKEN;
  const name = options.name ?? 'DC-1';
  const unauthorized: (string | undefined)[] = [];
  const logged: string[] = [];
  const model = modelOf({ WEB: { name, pools: { search: { path: '/search', categories: ['search'] } } }, categories: { search: {} }, probes: { elastic: { module: 'url_probe', categories: ['search'] }, mongo: { module: 'url_probe' } } });
  const state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map([['elastic', 'status 500 <script>alert(1)</script>']]) };
  const app = createApp({
    getState: constant(state),
    getModel: constant(model),
    getMarks: constant(NO_MARKS),
    getWebConfig: constant({ base_url: '/' }),
    getToken: () => token,
    getFreshness: () => freshFor(['elastic', 'mongo']),
    onUnauthorized: (remote) => unauthorized.push(remote),
    logger: createLogger({ level: 'debug', sinks: [(record) => logged.push(JSON.stringify(record))] }),
  });
  const server = await startServer(app.callback());
  t.teardown(() => server.close());
  return { origin: server.origin, unauthorized, logged };
}

test('/__health asked for HTML without credentials: 401 with a Basic challenge naming the DC, so a browser asks; not counted as a failed login', async (t) => {
  const { origin, unauthorized } = await serve(t, { name: 'DC "1" Zürich' });
  const answer = await request(origin, '/__health', { headers: { Accept: HTML } });
  t.is(answer.status, 401);
  t.is(answer.headers['www-authenticate'], 'Basic realm="DeadPool DC \\"1\\" Z?rich", charset="UTF-8"');
  t.is(answer.headers['cache-control'], 'no-store');
  t.is(answer.headers['vary'], 'Accept');
  t.false(answer.body.includes('elastic'));
  t.deepEqual(unauthorized, []);
});

test('/__health as HTML: the token as the Basic password (any user) or as a bearer token; a wrong one is a 401 and is counted', async (t) => {
  const { origin, unauthorized, logged } = await serve(t);
  for (const authorization of [basic('alice', TOKEN), basic('', TOKEN), `bAsIc   ${Buffer.from(`x:${TOKEN}`).toString('base64')} `, `Bearer ${TOKEN}`]) {
    const answer = await request(origin, '/__health', { headers: { Accept: HTML, Authorization: authorization } });
    t.is(answer.status, 200, authorization);
    t.is(answer.headers['content-type'], 'text/html; charset=utf-8');
    t.is(answer.headers['cache-control'], 'no-store');
    t.is(answer.headers['vary'], 'Accept');
    t.is(answer.headers['x-content-type-options'], 'nosniff');
    t.is(answer.headers['x-frame-options'], 'DENY');
    t.regex(String(answer.headers['content-security-policy']), /^default-src 'none'; style-src 'sha256-[^']+' 'sha256-[^']+';/);
    t.regex(answer.body, /<h1><span class="v">DC-1: DOWN — elastic<\/span><\/h1>/);
    t.regex(answer.body, /<li><a href="__health\?categories=search">search<\/a>: DOWN — elastic<\/li>/);
    t.true(answer.body.includes('status 500 &lt;script&gt;alert(1)&lt;/script&gt;'), 'the reason stays text');
    t.false(answer.body.includes('<script'));
  }
  const wrong = [basic('alice', 'guess'), basic('alice', `${TOKEN}x`), basic(TOKEN, ''), `Basic ${TOKEN}`, 'Basic', 'Basic !!!', `Bearer ${TOKEN.slice(1)}`];
  for (const authorization of wrong) {
    const answer = await request(origin, '/__health', { headers: { Accept: HTML, Authorization: authorization } });
    t.is(answer.status, 401, authorization);
    t.truthy(answer.headers['www-authenticate']);
    t.false(answer.body.includes('elastic'));
  }
  t.is(unauthorized.length, wrong.length);
  t.false(logged.some((line) => line.includes(TOKEN) || line.includes(Buffer.from(`alice:${TOKEN}`).toString('base64'))), 'no credential in the log');
});

test('Basic auth is for the HTML page only: the JSON, the base URL, pools and /__gtg keep answering 511', async (t) => {
  const { origin } = await serve(t);
  const auth = { Authorization: basic('alice', TOKEN) };
  for (const [path, accept] of [['/__health', 'application/json'], ['/__health', '*/*'], ['/', HTML], ['/search', HTML], ['/__gtg', HTML], ['/?categories=search', HTML]] as const) {
    const answer = await request(origin, path, { headers: { ...auth, Accept: accept } });
    t.is(answer.status, 511, `${path} ${accept}`);
    t.is(answer.body, 'Auth ERR\n');
    t.is((await request(origin, path, { headers: { Accept: accept } })).status, 511, `${path} ${accept} without credentials`);
  }
  const json = await request(origin, '/__health', { headers: { Authorization: `Bearer ${TOKEN}` } });
  t.is(json.status, 200);
  t.is(json.headers['content-type'], 'application/json; charset=utf-8');
  t.is(json.headers['vary'], 'Accept', 'the JSON varies on Accept too');
});

test('/__health as HTML: ?categories= filters, a typo is a 400, no token configured answers anyone', async (t) => {
  const { origin } = await serve(t, { token: undefined });
  const page = await request(origin, '/__health?categories=default', { headers: { Accept: HTML } });
  t.is(page.status, 200);
  t.regex(page.body, /<h2>Categories default: <span class="v ok"><span class="f">OK<\/span><span class="x">STALE<\/span><\/span><\/h2>/);
  t.regex(page.body, /<tr class="up"><th scope="row">mongo<\/th>/);
  t.false(page.body.includes('<th scope="row">elastic</th>'));
  t.is((await request(origin, '/__health?categories=nope', { headers: { Accept: HTML } })).status, 400);
});
