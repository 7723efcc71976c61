import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import urlProbe, { type UrlProbeOptions } from '../../probes/url_probe.ts';
import { createLogger, silentLogger } from '../../src/log/createLogger.ts';
import type { LogRecord, Logger } from '../../src/log/Logger.ts';
import type { CheckResult, RawCriterion } from '../../src/probe-api/types.ts';
import { closedPort, selfSigned, startServer, type TestServer } from '../helpers/httpServers.ts';
import { referenceTimer } from '../helpers/referenceTimer.ts';

/**
 * Real servers on 127.0.0.1, no mocks. Deadlines are asserted with a generous upper bound (the
 * deadline plus one second) because the point is "stops at the deadline", not "stops to the
 * millisecond", and CI machines are noisy.
 */
const MARGIN_MS = 1000;

interface Received {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A handler that answers 200 and keeps what it received, for tests of what the probe sends. */
function recorder(): { received: Received[]; handler: (req: IncomingMessage, res: ServerResponse) => void } {
  const received: Received[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body });
      res.end('ok');
    });
  };
  return { received, handler };
}

async function serve(t: ExecutionContext, handler: (req: IncomingMessage, res: ServerResponse) => void, tls = false): Promise<TestServer> {
  const server = await startServer(handler, tls ? selfSigned : undefined);
  t.teardown(() => server.close());
  return server;
}

function options(query: Record<string, unknown>, success_criteria: Record<string, RawCriterion> = {}): UrlProbeOptions {
  const validation = urlProbe.validate({ query, success_criteria });
  if (!validation.ok) throw new Error(`unexpectedly invalid: ${JSON.stringify(validation.issues)}`);
  return validation.options;
}

interface Run {
  result: CheckResult;
  elapsedMs: number;
}

async function run(
  opts: UrlProbeOptions,
  // Generous unless a test is about the deadline: a loaded 2-core machine can take seconds over a local exchange.
  { timeoutMs = 10_000, signal = new AbortController().signal, log = silentLogger }: { timeoutMs?: number; signal?: AbortSignal; log?: Logger } = {},
): Promise<Run> {
  const started = performance.now();
  const result = await urlProbe.check({ probe: 'test', options: opts, signal, timeoutMs, log });
  return { result, elapsedMs: performance.now() - started };
}

function issuesOf(query: unknown, success_criteria: Record<string, RawCriterion> = {}) {
  const validation = urlProbe.validate({ query, success_criteria });
  if (validation.ok) throw new Error('unexpectedly valid');
  return validation.issues;
}

const status200 = { status: { type: 'status_in', query: [200] } };

// ------------------------------------------------------------------------------------------------ check

test('a 200 answer passes', async (t) => {
  const server = await serve(t, (_req, res) => res.end('ok'));
  const { result } = await run(options({ url: `${server.origin}/health` }, status200));
  t.true(result.ok);
  t.regex(result.reason, /^status 200 in \d+ ms$/);
});

test('a status outside status_in fails, quoting the list as written', async (t) => {
  const server = await serve(t, (req, res) => {
    res.statusCode = req.url === '/500' ? 500 : 404;
    res.end('boom');
  });
  t.deepEqual((await run(options({ url: `${server.origin}/500` }, status200))).result, { ok: false, reason: 'status 500 not in [200]' });
  const mixed = { status: { type: 'status_in', query: ['2xx', 301] } };
  t.deepEqual((await run(options({ url: `${server.origin}/404` }, mixed))).result, { ok: false, reason: 'status 404 not in [2xx, 301]' });
});

test('status classes match any code of the class, in either case', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.statusCode = 204;
    res.end();
  });
  t.true((await run(options({ url: server.origin }, { s: { type: 'status_in', query: ['2xx'] } }))).result.ok);
  t.true((await run(options({ url: server.origin }, { s: { type: 'status_in', query: ['2XX'] } }))).result.ok);
  t.true((await run(options({ url: server.origin }, { s: { type: 'status_in', query: 204 } }))).result.ok);
  t.deepEqual((await run(options({ url: server.origin }, { s: { type: 'status_in', query: ['5XX', '200'] } }))).result, {
    ok: false,
    reason: 'status 204 not in [5XX, 200]',
  });
});

test('re_search: a body that does not match fails with the pattern', async (t) => {
  const server = await serve(t, (_req, res) => res.end('1700000000 10:00:00 elasticsearch yellow 3 3'));
  const criteria = { body: { type: 're_search', query: 'elasticsearch+ green+' }, ...status200 };
  t.deepEqual((await run(options({ url: server.origin }, criteria))).result, { ok: false, reason: 'body does not match /elasticsearch+ green+/' });
  t.true((await run(options({ url: server.origin }, { body: { type: 're_search', query: 'elasticsearch+ yellow+' } }))).result.ok);
  // Python's leading inline flags work as in the seed.
  t.true((await run(options({ url: server.origin }, { body: { type: 're_search', query: '(?i)ELASTICSEARCH YELLOW' } }))).result.ok);
});

test("re_search: Python's $ matches before the final newline of Elasticsearch's _cat/health line", async (t) => {
  const server = await serve(t, (_req, res) => res.end('1700000000 12:00:00 elasticsearch green 3 3 10 5 0 0 0 0 - 100.0%\n'));
  const green = { body: { type: 're_search', query: 'green .*100\\.0%$' }, ...status200 };
  t.true((await run(options({ url: server.origin }, green))).result.ok);
  const yellow = { body: { type: 're_search', query: 'yellow .*100\\.0%$' } };
  t.deepEqual((await run(options({ url: server.origin }, yellow))).result, { ok: false, reason: 'body does not match /yellow .*100\\.0%$/' });
});

test('re_search: Python-only syntax works, as in the seed', async (t) => {
  const server = await serve(t, (_req, res) => res.end('{"cluster_name":"dc1","status":"green"}\n'));
  const verbose = '(?x) "status" \\s*:\\s* (?P<q>")green(?P=q)  # the quoted word\n }\\s*\\Z';
  t.true((await run(options({ url: server.origin }, { body: { type: 're_search', query: verbose } }))).result.ok);
  t.true((await run(options({ url: server.origin }, { body: { type: 're_search', query: '"cluster_name":"\\w{,3}"' } }))).result.ok);
  const literalZ = { body: { type: 're_search', query: 'green"\\Z' } };
  t.false((await run(options({ url: server.origin }, literalZ))).result.ok, '\\Z is the end of the text, not a letter Z');
});

test('validate: a Python construct DeadPool cannot run is a config error naming it', (t) => {
  t.deepEqual(issuesOf({ url: 'http://x/' }, { body: { type: 're_search', query: '(?i:green) cluster' } }), [
    {
      path: ['success_criteria', 'body', 'query'],
      message:
        'expected a Python regular expression DeadPool can run (this one uses (?i:…) to change case-insensitive matching for part of the pattern, which DeadPool cannot run: ' +
        'Node 20 has no modifier groups; put the flags at the start of the pattern instead, as (?i)), got "(?i:green) cluster"',
    },
  ]);
});

test('every criterion must hold; all failures are reported', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.statusCode = 503;
    res.end('red');
  });
  const criteria = { body: { type: 're_search', query: 'green' }, status: { type: 'status_in', query: [200] }, up: { type: 'pass' } };
  t.deepEqual((await run(options({ url: server.origin }, criteria))).result, {
    ok: false,
    reason: 'body does not match /green/; status 503 not in [200]',
  });
});

test('pass only needs an answer, whatever its status', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  const { result } = await run(options({ url: server.origin }, { up: { type: 'pass' } }));
  t.true(result.ok);
});

test('without criteria only a 2xx passes, and redirects are not followed', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/moved') res.writeHead(301, { location: '/ok' }).end();
    else res.end('ok');
  });
  t.true((await run(options({ url: `${server.origin}/ok` }))).result.ok);
  t.deepEqual((await run(options({ url: `${server.origin}/moved` }))).result, { ok: false, reason: 'status 301 not in [2xx]' });
});

test('post sends a string body as is and a map as JSON, with the configured headers', async (t) => {
  const { received, handler } = recorder();
  const server = await serve(t, handler);
  const sent = async (query: Record<string, unknown>): Promise<Received> => {
    const { result } = await run(options({ url: server.origin, ...query }));
    t.true(result.ok, result.reason);
    return received.at(-1)!;
  };

  const form = await sent({ query_type: 'POST', body: 'a=1&b=2', header: { 'X-Token': 's3cret' } });
  t.is(form.method, 'POST');
  t.is(form.body, 'a=1&b=2');
  t.is(form.headers['content-type'], 'application/x-www-form-urlencoded');
  t.is(form.headers['x-token'], 's3cret');
  t.is(form.headers['connection'], 'close');
  t.is(form.headers['user-agent'], 'DeadPool url_probe');
  t.is(form.headers['accept'], 'application/json, text/plain, */*');
  t.is(form.headers['accept-encoding'], 'gzip, compress, deflate, br');

  const json = await sent({ query_type: 'put', body: { index: 'logs', size: 2 } });
  t.is(json.method, 'PUT');
  t.deepEqual(JSON.parse(json.body), { index: 'logs', size: 2 });
  t.is(json.headers['content-type'], 'application/json');

  const own = await sent({ query_type: 'patch', body: { a: 1 }, header: { 'content-type': 'application/merge-patch+json', 'user-agent': 'mine' } });
  t.is(own.headers['content-type'], 'application/merge-patch+json');
  t.is(own.headers['user-agent'], 'mine');
});

test('head and options requests work', async (t) => {
  const server = await serve(t, (req, res) => res.writeHead(req.method === 'HEAD' || req.method === 'OPTIONS' ? 200 : 405).end());
  t.true((await run(options({ url: server.origin, query_type: 'HEAD' }))).result.ok);
  t.true((await run(options({ url: server.origin, query_type: 'options' }))).result.ok);
});

test('a server that never answers times out at the deadline', async (t) => {
  const server = await serve(t, () => {});
  const late = referenceTimer(300);
  const { result, elapsedMs } = await run(options({ url: server.origin, timeout: 0.3 }), { timeoutMs: 300 });
  const lateMs = await late();
  t.deepEqual(result, { ok: false, reason: 'timeout after 0.3 s' });
  t.true(elapsedMs >= 290, `stopped early: ${elapsedMs} ms`);
  t.true(elapsedMs < 300 + lateMs + MARGIN_MS, `stopped late: ${elapsedMs} ms (a plain timer was ${lateMs} ms late)`);
});

test('a body trickling past the deadline times out at the deadline', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    const trickle = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(trickle));
  });
  const late = referenceTimer(300);
  const { result, elapsedMs } = await run(options({ url: server.origin, timeout: 0.3 }, status200), { timeoutMs: 300 });
  const lateMs = await late();
  t.deepEqual(result, { ok: false, reason: 'timeout after 0.3 s' });
  t.true(elapsedMs < 300 + lateMs + MARGIN_MS, `stopped late: ${elapsedMs} ms (a plain timer was ${lateMs} ms late)`);
});

test("the watcher's signal stops the check at once, reported as a timeout", async (t) => {
  const server = await serve(t, () => {});
  const watcher = new AbortController();
  void server.requests(1).then(() => watcher.abort());
  const { result, elapsedMs } = await run(options({ url: server.origin, timeout: 10 }), { timeoutMs: 10_000, signal: watcher.signal });
  t.deepEqual(result, { ok: false, reason: 'timeout after 10 s' });
  t.true(elapsedMs < MARGIN_MS * 2, `stopped late: ${elapsedMs} ms`);
});

test('an already aborted signal fails without waiting', async (t) => {
  const { result } = await run(options({ url: 'http://127.0.0.1:9/' }), { timeoutMs: 2500, signal: AbortSignal.abort() });
  t.deepEqual(result, { ok: false, reason: 'timeout after 2.5 s' });
});

test('a connection reset by the server fails with ECONNRESET', async (t) => {
  const server = await serve(t, (req) => {
    if (req.url === '/rst') req.socket.resetAndDestroy();
    else req.socket.destroy();
  });
  const closed = (await run(options({ url: `${server.origin}/close` }))).result;
  t.false(closed.ok);
  t.is(closed.reason, `ECONNRESET 127.0.0.1:${server.port}: socket hang up`);
  const reset = (await run(options({ url: `${server.origin}/rst` }))).result;
  t.false(reset.ok);
  t.regex(reset.reason, new RegExp(`^ECONNRESET 127\\.0\\.0\\.1:${server.port}`));
});

test('a refused connection names the address', async (t) => {
  const port = await closedPort();
  t.deepEqual((await run(options({ url: `http://127.0.0.1:${port}/` }))).result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` });
});

test('a self-signed certificate is refused unless insecure is true', async (t) => {
  const server = await serve(t, (_req, res) => res.end('ok'), true);
  t.deepEqual((await run(options({ url: server.origin }, status200))).result, {
    ok: false,
    reason: `DEPTH_ZERO_SELF_SIGNED_CERT 127.0.0.1:${server.port}: self-signed certificate`,
  });
  const insecure = (await run(options({ url: server.origin, insecure: true }, status200))).result;
  t.true(insecure.ok, insecure.reason);
});

test('a body over 10 MB fails instead of filling memory', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.end(Buffer.alloc(10 * 1024 * 1024 + 1, 'a'));
  });
  t.deepEqual((await run(options({ url: server.origin }, status200), { timeoutMs: 10_000 })).result, { ok: false, reason: 'body larger than 10 MB' });
});

test('logs name neither header values nor query strings', async (t) => {
  const server = await serve(t, (_req, res) => res.end('ok'));
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(record) => records.push(record)] });
  await run(options({ url: `${server.origin}/health?token=q-secret`, header: { Authorization: 'Bearer h-secret' } }), { log });
  const port = await closedPort();
  await run(options({ url: `http://127.0.0.1:${port}/?token=q-secret`, header: { Authorization: 'Bearer h-secret' } }), { log });
  t.true(records.length > 0);
  const text = JSON.stringify(records);
  t.false(text.includes('secret'), text);
});

test('gzip, deflate and br bodies are decoded before they are judged; a leading BOM is dropped', async (t) => {
  const text = '{"status":"green"}';
  const server = await serve(t, (req, res) => {
    const encoding = req.url!.slice(1);
    const encoded: Record<string, Buffer> = {
      gzip: zlib.gzipSync(text),
      deflate: zlib.deflateSync(text),
      'raw-deflate': zlib.deflateRawSync(text),
      br: zlib.brotliCompressSync(text),
      bom: Buffer.from(`\ufeff${text}`),
    };
    res.writeHead(200, encoding === 'bom' ? {} : { 'content-encoding': encoding === 'raw-deflate' ? 'deflate' : encoding });
    res.end(encoded[encoding]);
  });
  for (const encoding of ['gzip', 'deflate', 'raw-deflate', 'br', 'bom']) {
    const criteria = { body: { type: 're_search', query: '^\\{"status":"green"\\}$' }, green: { type: 'json', query: { path: 'status', equals: 'green' } } };
    const { result } = await run(options({ url: `${server.origin}/${encoding}` }, criteria));
    t.true(result.ok, `${encoding}: ${result.reason}`);
  }
});

test('a body over 10 MB once decoded fails too', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024 + 1, 'a')));
  });
  t.deepEqual((await run(options({ url: server.origin }, status200), { timeoutMs: 10_000 })).result, { ok: false, reason: 'body larger than 10 MB' });
});

// ------------------------------------------------------------------------------------------------- json

const health = {
  cluster_name: 'dc1',
  status: 'red',
  number_of_nodes: 3,
  timed_out: false,
  nodes: [{ name: 'es-1', version: '8.15.2' }, { name: 'es-2' }],
  'dotted.key': 1,
};

async function jsonServer(t: ExecutionContext): Promise<TestServer> {
  return serve(t, (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/text') res.end('green');
    else if (req.url === '/empty') res.end();
    else res.end(JSON.stringify(health));
  });
}

const jsonCheck = async (server: TestServer, query: Record<string, unknown>, path = '/'): Promise<CheckResult> =>
  (await run(options({ url: `${server.origin}${path}` }, { j: { type: 'json', query } }))).result;

test('json equals: the value at the path must be the one given, with its JSON type', async (t) => {
  const server = await jsonServer(t);
  t.deepEqual(await jsonCheck(server, { path: 'status', equals: 'green' }), { ok: false, reason: 'json status is "red", expected "green"' });
  t.true((await jsonCheck(server, { path: 'status', equals: 'red' })).ok);
  t.true((await jsonCheck(server, { path: 'number_of_nodes', equals: 3 })).ok);
  t.true((await jsonCheck(server, { path: 'timed_out', equals: false })).ok);
  t.deepEqual(await jsonCheck(server, { path: 'number_of_nodes', equals: '3' }), { ok: false, reason: 'json number_of_nodes is 3, expected "3"' });
  t.deepEqual(await jsonCheck(server, { path: 'nodes', equals: 'x' }), { ok: false, reason: 'json nodes is [{"name":"es-1","version":"8.15.2"},{"name":"es-2"}], expected "x"' });
});

test('json in: the value must be one of the list', async (t) => {
  const server = await jsonServer(t);
  t.deepEqual(await jsonCheck(server, { path: 'status', in: ['green', 'yellow'] }), { ok: false, reason: 'json status is "red", expected one of "green", "yellow"' });
  t.true((await jsonCheck(server, { path: 'status', in: ['green', 'red'] })).ok);
  t.true((await jsonCheck(server, { path: 'number_of_nodes', in: [3, 5] })).ok);
});

test('json matches: a Python regular expression searched in the value (other values as JSON text)', async (t) => {
  const server = await jsonServer(t);
  t.true((await jsonCheck(server, { path: 'nodes.0.version', matches: '^8\\.\\d+\\.' })).ok);
  t.deepEqual(await jsonCheck(server, { path: 'status', matches: '(?i)^GRE+N$' }), { ok: false, reason: 'json status is "red", expected to match /(?i)^GRE+N$/' });
  t.true((await jsonCheck(server, { path: 'number_of_nodes', matches: '^[3-5]$' })).ok);
});

test('json paths: dotted, numeric segments index lists; a missing value is named', async (t) => {
  const server = await jsonServer(t);
  t.true((await jsonCheck(server, { path: 'nodes.1.name', equals: 'es-2' })).ok);
  t.deepEqual(await jsonCheck(server, { path: 'nodes.2.name', equals: 'es-3' }), { ok: false, reason: 'json nodes.2.name not found' });
  t.deepEqual(await jsonCheck(server, { path: 'nodes.1.version', equals: '8' }), { ok: false, reason: 'json nodes.1.version not found' });
  t.deepEqual(await jsonCheck(server, { path: 'nodes.first.name', equals: 'es-1' }), { ok: false, reason: 'json nodes.first.name not found' });
  t.deepEqual(await jsonCheck(server, { path: 'status.code', equals: 'x' }), { ok: false, reason: 'json status.code not found' });
  t.deepEqual(await jsonCheck(server, { path: 'toString', equals: 'x' }), { ok: false, reason: 'json toString not found' });
});

test('json: a body that is not JSON fails, said once for all json criteria', async (t) => {
  const server = await jsonServer(t);
  t.deepEqual(await jsonCheck(server, { path: 'status', equals: 'green' }, '/text'), { ok: false, reason: 'body is not JSON' });
  t.deepEqual(await jsonCheck(server, { path: 'status', equals: 'green' }, '/empty'), { ok: false, reason: 'body is not JSON' });
  const two = { a: { type: 'json', query: { path: 'status', equals: 'green' } }, b: { type: 'json', query: { path: 'cluster_name', equals: 'dc1' } }, ...status200 };
  t.deepEqual((await run(options({ url: `${server.origin}/text` }, two))).result, { ok: false, reason: 'body is not JSON' });
});

test('json criteria join the others: every failure is reported, in config order', async (t) => {
  const server = await jsonServer(t);
  const criteria = {
    status: { type: 'status_in', query: [200] },
    green: { type: 'json', query: { path: 'status', equals: 'green' } },
    name: { type: 'json', query: { path: 'cluster_name', equals: 'dc1' } },
    nodes: { type: 'json', query: { path: 'number_of_nodes', in: [4, 5] } },
  };
  t.deepEqual((await run(options({ url: server.origin }, criteria))).result, {
    ok: false,
    reason: 'json status is "red", expected "green"; json number_of_nodes is 3, expected one of 4, 5',
  });
});

// -------------------------------------------------------------------------------------- max_response_ms

test('max_response_ms: a slower answer fails, saying how slow', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/slow') setTimeout(() => res.end('ok'), 300);
    else res.end('ok');
  });
  const slow = (await run(options({ url: `${server.origin}/slow` }, { fast: { type: 'max_response_ms', query: 100 }, ...status200 }))).result;
  t.false(slow.ok);
  const [, ms] = /^answered in (\d+) ms, more than 100$/.exec(slow.reason) ?? [];
  t.true(Number(ms) >= 290, slow.reason);
  t.true((await run(options({ url: `${server.origin}/fast` }, { fast: { type: 'max_response_ms', query: 1500 } }))).result.ok);
});

test('max_response_ms counts the whole body, not just the headers', async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.flushHeaders();
    setTimeout(() => res.end('ok'), 300);
  });
  const { result } = await run(options({ url: server.origin }, { fast: { type: 'max_response_ms', query: 150 } }));
  t.regex(result.reason, /^answered in \d+ ms, more than 150$/);
});

// --------------------------------------------------------------------------------------------- validate

test('validate fills the seed defaults and returns the timeout in seconds', (t) => {
  const validation = urlProbe.validate({ query: { url: 'http://localhost:9200/_cat/health' }, success_criteria: {} });
  t.true(validation.ok);
  if (!validation.ok) return;
  t.is(validation.timeout, 5);
  t.deepEqual(validation.options, { query: { url: 'http://localhost:9200/_cat/health', query_type: 'get', header: {}, timeout: 5, insecure: false }, criteria: [] });

  const seed = urlProbe.validate({
    query: { url: 'https://es:9200/', header: {}, query_type: 'GET', timeout: 0.5 },
    success_criteria: { body: { type: 're_search', query: 'elasticsearch+ green+' }, status: { type: 'status_in', query: [200] } },
  });
  t.true(seed.ok);
  if (seed.ok) t.is(seed.timeout, 0.5);
  if (seed.ok) t.is(seed.options.query.query_type, 'get');

  // `header:` left empty in YAML is no headers.
  const empty = urlProbe.validate({ query: { url: 'http://x/', header: null }, success_criteria: {} });
  t.true(empty.ok);
  if (empty.ok) t.deepEqual(empty.options.query.header, {});
});

test('validate: missing url and missing query', (t) => {
  t.deepEqual(issuesOf({ timeout: 2 }), [{ path: ['query', 'url'], message: 'missing, expected an http(s) URL' }]);
  t.deepEqual(issuesOf(undefined), [{ path: ['query'], message: 'missing, expected a map with at least url' }]);
  t.deepEqual(issuesOf(['http://x/']), [{ path: ['query'], message: 'expected a map with at least url, got a list' }]);
});

test('validate: bad url, query_type, timeout, header, body and insecure, all reported at once', (t) => {
  t.deepEqual(
    issuesOf({ url: 'ftp://host/file', query_type: 'fetch', timeout: 0, header: { 'X-Retry': 5, 'Bad Name': 'x' }, body: [1], insecure: 'yes' }),
    [
      { path: ['query', 'url'], message: 'expected an http(s) URL, got "ftp://host/file"' },
      // Header values are secrets: not even a wrong one is shown.
      { path: ['query', 'header', 'X-Retry'], message: 'expected a string (quote it in YAML) (the value is a secret: not shown)' },
      { path: ['query', 'header', 'Bad Name'], message: "bad name, expected a header name of letters, digits and !#$%&'*+-.^_`|~" },
      { path: ['query', 'query_type'], message: 'expected one of get, post, put, head, delete, patch, options, got "fetch"' },
      { path: ['query', 'timeout'], message: 'expected a number of seconds from 0.001 to 3600 (1 h), got 0' },
      { path: ['query', 'body'], message: 'expected a string or a map (sent as JSON), got a list' },
      { path: ['query', 'insecure'], message: 'expected True or False, got "yes"' },
    ],
  );
  t.deepEqual(issuesOf({ url: 'foo' }), [{ path: ['query', 'url'], message: 'expected an http(s) URL, got "foo"' }]);
});

test('validate: a header value with a line break is rejected without echoing it', (t) => {
  t.deepEqual(issuesOf({ url: 'http://x/', header: { Authorization: 'Bearer abc\r\nX-Evil: 1' } }), [
    { path: ['query', 'header', 'Authorization'], message: 'expected a header value on one line without control characters (the value is a secret: not shown)' },
  ]);
});

test('validate: unknown query keys are rejected, with a suggestion when close', (t) => {
  t.deepEqual(issuesOf({ url: 'http://x/', timout: 2, headers: {}, colour: 'red' }), [
    { path: ['query', 'timout'], message: 'unknown key (did you mean "timeout"?); expected one of url, header, query_type, timeout, body, insecure' },
    { path: ['query', 'headers'], message: 'unknown key (did you mean "header"?); expected one of url, header, query_type, timeout, body, insecure' },
    { path: ['query', 'colour'], message: 'unknown key; expected one of url, header, query_type, timeout, body, insecure' },
  ]);
});

test('validate: bad regex and bad status_in entries name the criterion', (t) => {
  t.deepEqual(
    issuesOf(
      { url: 'http://x/' },
      {
        body: { type: 're_search', query: 'elasticsearch+ (green' },
        nobody: { type: 're_search' },
        status: { type: 'status_in', query: [200, 'abc', 700, '2xx'] },
        empty: { type: 'status_in', query: [] },
        word: { type: 'status_in', query: 'ok' },
      },
    ),
    [
      { path: ['success_criteria', 'body', 'query'], message: 'expected a Python regular expression (missing ), unterminated subpattern at position 15), got "elasticsearch+ (green"' },
      { path: ['success_criteria', 'nobody', 'query'], message: 'missing, expected a regular expression' },
      { path: ['success_criteria', 'status', 'query', 1], message: 'expected a status code (100-599) or a class like "2xx", got "abc"' },
      { path: ['success_criteria', 'status', 'query', 2], message: 'expected a status code (100-599) or a class like "2xx", got 700' },
      { path: ['success_criteria', 'empty', 'query'], message: 'expected a list of status codes like [200] or ["2xx"], got an empty list' },
      { path: ['success_criteria', 'word', 'query'], message: 'expected a status code (100-599) or a class like "2xx", or a list of them, got "ok"' },
    ],
  );
});

test('validate: json needs a dotted path and exactly one of equals, in, matches', (t) => {
  const json = (query: unknown) => ({ j: { type: 'json', query } });
  t.deepEqual(issuesOf({ url: 'http://x/' }, json(undefined)), [{ path: ['success_criteria', 'j', 'query'], message: 'missing, expected a map like { path: status, equals: green }' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json('status')), [{ path: ['success_criteria', 'j', 'query'], message: 'expected a map like { path: status, equals: green }, got "status"' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ equals: 'green' })), [{ path: ['success_criteria', 'j', 'query', 'path'], message: 'missing, expected a dotted path like status or nodes.0.name' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'nodes..name', equals: 'x' })), [
    { path: ['success_criteria', 'j', 'query', 'path'], message: 'expected a dotted path like status or nodes.0.name, got "nodes..name"' },
  ]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status' })), [{ path: ['success_criteria', 'j', 'query'], message: 'expected one of equals, in or matches beside path, got a map' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status', equals: 'green', in: ['green'] })), [
    { path: ['success_criteria', 'j', 'query', 'in'], message: 'expected only one of equals, in or matches (equals is given), got a list' },
  ]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status', in: [] })), [{ path: ['success_criteria', 'j', 'query', 'in'], message: 'expected a list of values like [green, yellow], got an empty list' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status', equals: { a: 1 } })), [{ path: ['success_criteria', 'j', 'query', 'equals'], message: 'expected a string, a number or True/False, got a map' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status', matches: 'gr(een' })), [
    { path: ['success_criteria', 'j', 'query', 'matches'], message: 'expected a Python regular expression (missing ), unterminated subpattern at position 2), got "gr(een"' },
  ]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, json({ path: 'status', equal: 'green' })), [
    { path: ['success_criteria', 'j', 'query', 'equal'], message: 'unknown key (did you mean "equals"?); expected one of path, equals, in, matches' },
    { path: ['success_criteria', 'j', 'query'], message: 'expected one of equals, in or matches beside path, got a map' },
  ]);
});

test('validate: max_response_ms is a positive number of milliseconds, under the timeout', (t) => {
  const max = (query: unknown) => ({ m: { type: 'max_response_ms', query } });
  t.deepEqual(issuesOf({ url: 'http://x/' }, max(undefined)), [{ path: ['success_criteria', 'm', 'query'], message: 'missing, expected a number of milliseconds above 0, like 500' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, max('500ms')), [{ path: ['success_criteria', 'm', 'query'], message: 'expected a number of milliseconds above 0, like 500, got "500ms"' }]);
  t.deepEqual(issuesOf({ url: 'http://x/' }, max(0)), [{ path: ['success_criteria', 'm', 'query'], message: 'expected a number of milliseconds above 0, like 500, got 0' }]);
  t.deepEqual(issuesOf({ url: 'http://x/', timeout: 2 }, max(2000)), [
    { path: ['success_criteria', 'm', 'query'], message: 'expected less than the timeout (2000 ms): a slower answer times out first, got 2000' },
  ]);
  t.true(urlProbe.validate({ query: { url: 'http://x/', timeout: 2 }, success_criteria: max(1999) }).ok);
});

test('validate: criterion types it does not know are left to the config loader', (t) => {
  const validation = urlProbe.validate({ query: { url: 'http://x/' }, success_criteria: { rows: { type: 'exists', query: {} } } });
  t.true(validation.ok);
});

test('the module describes itself', (t) => {
  t.is(urlProbe.name, 'url_probe');
  t.deepEqual([...urlProbe.criteria], ['re_search', 'status_in', 'pass', 'json', 'max_response_ms']);
});
