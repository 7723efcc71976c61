/**
 * url_probe: one HTTP(S) request per check, judged by the probe's success criteria. Config-compatible
 * with the Python seed's url_probe (`query{url, header, query_type, timeout}`, criteria `re_search`,
 * `status_in`, `pass`), plus `body` and `insecure`.
 *
 * Choices, and why:
 * - No criteria: the probe passes only on a 2xx status. A probe that could never fail would hide a
 *   dead backend behind a 500 page.
 * - Redirects are not followed: a 301 is the backend's answer and is judged like any other status
 *   (Cloudflare monitors do not follow them by default either). Accept one with `status_in: [301]`.
 * - Every check opens a fresh connection (no keep-alive, no TLS session reuse), so a dead backend or
 *   a replaced certificate is seen on the next check, not when a pooled socket happens to expire.
 * - HTTP_PROXY and friends are ignored: the probe checks the backend, not a proxy in front of it.
 * - The deadline is enforced here as well as by the watcher's signal, so the module is safe on its
 *   own, and it covers the whole exchange: a body trickling in byte by byte fails it too.
 * - The request is made with node:http(s) directly. It used to go through axios, whose
 *   per-request machinery (config merging, interceptors, header objects) cost as much CPU as the
 *   HTTP exchange itself and made the watcher miss its CPU and memory targets with 1,000 probes
 *   (BENCHMARKS.md). The wire stays what axios sent: the same headers (`Accept`,
 *   `Accept-Encoding: gzip, compress, deflate, br`, a form `Content-Type` for post/put/patch…),
 *   gzip/deflate/br bodies decoded, a leading BOM dropped, the same failure reasons.
 * - Bodies over 10 MB fail the check instead of filling memory.
 * - Header values are never logged or echoed in messages: they often carry credentials.
 * - `re_search` patterns are Python's, as the seed's configs and operators' habits have them: they
 *   are run with `re.search` semantics (`$` before a final newline, Unicode `\w`, `(?x)`…) by
 *   `src/probe-kit/pythonRegex.ts`, and reasons quote the pattern as written.
 * - It imports the probe API's message helpers (`didYouMean`, `showValue`) so its errors read like
 *   the config loader's, and `compilePythonRegex`; a copy used as the template of a module in an
 *   outside `modules_folder` should import them by absolute path, inline them or drop them (only
 *   type imports resolve from anywhere).
 */
import http from 'node:http';
import https from 'node:https';
import { Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { timeoutReason, untilAborted } from '../src/probe-kit/deadline.ts';
import { hostPort, networkReason } from '../src/probe-kit/networkReason.ts';
import { compilePythonRegex } from '../src/probe-kit/pythonRegex.ts';
import { BOOLEAN_EXPECTED, didYouMean, isTimeoutSeconds, showValue, TIMEOUT_EXPECTED, type CheckContext, type CheckResult, type OptionIssue, type ProbeModule, type RawProbeOptions, type Validation } from '../src/probe-api/index.ts';

const METHODS = ['get', 'post', 'put', 'head', 'delete', 'patch', 'options'] as const;
type Method = (typeof METHODS)[number];

const QUERY_KEYS = ['url', 'header', 'query_type', 'timeout', 'body', 'insecure'];
const DEFAULT_TIMEOUT_S = 5;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** RFC 9110 token: what Node accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node rejects in a header value (control characters, line breaks). */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** One entry of `status_in`, kept as written (`200`, `"2xx"`) so reasons quote the config. */
type StatusEntry = number | string;

export type UrlCriterion =
  | { type: 're_search'; label: string; pattern: string; regex: RegExp }
  | { type: 'status_in'; label: string; accepted: StatusEntry[] }
  | { type: 'pass'; label: string };

export interface UrlProbeOptions {
  url: string;
  method: Method;
  headers: Record<string, string>;
  /** Seconds. */
  timeout: number;
  /** A string is sent as is (as `application/x-www-form-urlencoded`, like `curl -d`, unless a header says otherwise); a map as JSON. */
  body?: string | Record<string, unknown>;
  insecure: boolean;
  criteria: UrlCriterion[];
}

// ---------------------------------------------------------------------------------------------- validate

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function validateHeaders(value: unknown, issue: (path: (string | number)[], message: string) => void): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value === null) return headers;
  if (!isMap(value)) {
    issue(['query', 'header'], `expected a map of header names to values, got ${showValue(value)}`);
    return headers;
  }
  for (const [name, headerValue] of Object.entries(value)) {
    const at = ['query', 'header', name];
    if (!HEADER_NAME.test(name)) issue(at, `expected a header name of letters, digits and !#$%&'*+-.^_\`|~, got ${showValue(name)}`);
    if (typeof headerValue !== 'string') issue(at, `expected a string (quote it in YAML), got ${showValue(headerValue)}`);
    // The value itself is not shown: it may be a token.
    else if (BAD_HEADER_VALUE.test(headerValue)) issue(at, 'expected a header value on one line without control characters');
    else headers[name] = headerValue;
  }
  return headers;
}

const STATUS_EXPECTED = 'expected a status code (100-599) or a class like "2xx"';

function isStatusEntry(entry: unknown): entry is StatusEntry {
  if (typeof entry === 'number') return Number.isInteger(entry) && entry >= 100 && entry <= 599;
  return typeof entry === 'string' && /^[1-5](xx|\d\d)$/i.test(entry);
}

function statusAccepted(entry: StatusEntry, status: number): boolean {
  if (typeof entry === 'number') return entry === status;
  return /xx$/i.test(entry) ? Math.floor(status / 100) === Number(entry[0]) : Number(entry) === status;
}

function validate(raw: RawProbeOptions): Validation<UrlProbeOptions> {
  const issues: OptionIssue[] = [];
  const issue = (path: (string | number)[], message: string): void => {
    issues.push({ path, message });
  };

  let query: Record<string, unknown> = {};
  if (raw.query === undefined || raw.query === null) issue(['query'], 'missing, expected a map with at least url');
  else if (!isMap(raw.query)) issue(['query'], `expected a map with at least url, got ${showValue(raw.query)}`);
  else query = raw.query;

  for (const key of Object.keys(query)) {
    if (!QUERY_KEYS.includes(key)) issue(['query', key], `unknown key${didYouMean(key, QUERY_KEYS)}; expected one of ${QUERY_KEYS.join(', ')}`);
  }

  const url = query['url'];
  if (url === undefined || url === null) {
    if (isMap(raw.query)) issue(['query', 'url'], 'missing, expected an http(s) URL');
  } else if (typeof url !== 'string' || !isHttpUrl(url)) {
    issue(['query', 'url'], `expected an http(s) URL, got ${showValue(url)}`);
  }

  const headers = validateHeaders(query['header'], issue);

  const queryType = query['query_type'] ?? 'get';
  const method = typeof queryType === 'string' ? queryType.toLowerCase() : '';
  if (!(METHODS as readonly string[]).includes(method)) issue(['query', 'query_type'], `expected one of ${METHODS.join(', ')}, got ${showValue(queryType)}`);

  const timeout = query['timeout'] ?? DEFAULT_TIMEOUT_S;
  if (!isTimeoutSeconds(timeout)) issue(['query', 'timeout'], `${TIMEOUT_EXPECTED}, got ${showValue(timeout)}`);

  const body = query['body'];
  if (body !== undefined && typeof body !== 'string' && !isMap(body)) {
    issue(['query', 'body'], `expected a string or a map (sent as JSON), got ${showValue(body)}`);
  }

  const insecure = query['insecure'] ?? false;
  if (typeof insecure !== 'boolean') issue(['query', 'insecure'], `${BOOLEAN_EXPECTED}, got ${showValue(insecure)}`);

  const criteria: UrlCriterion[] = [];
  for (const [label, criterion] of Object.entries(raw.success_criteria ?? {})) {
    const at = ['success_criteria', label, 'query'];
    const q = criterion.query;
    switch (criterion.type) {
      case 'pass':
        criteria.push({ type: 'pass', label });
        break;
      case 're_search': {
        if (q === undefined || q === null) {
          issue(at, 'missing, expected a regular expression');
        } else if (typeof q !== 'string' || q === '') {
          issue(at, `expected a regular expression, got ${showValue(q)}`);
        } else {
          const compiled = compilePythonRegex(q);
          if (compiled.ok) criteria.push({ type: 're_search', label, pattern: q, regex: compiled.regex });
          else if (compiled.kind === 'invalid') issue(at, `expected a Python regular expression, got ${showValue(q)} (${compiled.message})`);
          else issue(at, `re_search pattern ${showValue(q)} ${compiled.message}`);
        }
        break;
      }
      case 'status_in': {
        if (q === undefined || q === null) {
          issue(at, `missing, expected a list of status codes like [200] or ["2xx"]`);
        } else if (!Array.isArray(q)) {
          if (isStatusEntry(q)) criteria.push({ type: 'status_in', label, accepted: [q] });
          else issue(at, `${STATUS_EXPECTED}, or a list of them, got ${showValue(q)}`);
        } else if (q.length === 0) {
          issue(at, 'expected a list of status codes like [200] or ["2xx"], got an empty list');
        } else {
          const bad = q.map((entry, i) => [entry, i] as const).filter(([entry]) => !isStatusEntry(entry));
          for (const [entry, i] of bad) issue([...at, i], `${STATUS_EXPECTED}, got ${showValue(entry)}`);
          if (bad.length === 0) criteria.push({ type: 'status_in', label, accepted: q as StatusEntry[] });
        }
        break;
      }
      default:
      // Unknown types are reported by the config loader, which lists the ones this module has.
    }
  }

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    timeout: timeout as number,
    options: {
      url: url as string,
      method: method as Method,
      headers,
      timeout: timeout as number,
      ...(body === undefined ? {} : { body: body as string | Record<string, unknown> }),
      insecure: insecure as boolean,
      criteria,
    },
  };
}

// ---------------------------------------------------------------------------------------------- check

// Shared agents without keep-alive or TLS session cache: each check connects and handshakes afresh.
const httpAgent = new http.Agent({ keepAlive: false });
const httpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, rejectUnauthorized: true });
const insecureHttpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, rejectUnauthorized: false });


const listed = (accepted: readonly StatusEntry[]): string => `[${accepted.join(', ')}]`;

/** Failure reasons of the criteria that do not hold, in config order. */
function judge(criteria: readonly UrlCriterion[], status: number, body: string): string[] {
  if (criteria.length === 0) return Math.floor(status / 100) === 2 ? [] : [`status ${status} not in [2xx]`];
  const failures: string[] = [];
  for (const criterion of criteria) {
    if (criterion.type === 'status_in') {
      if (!criterion.accepted.some((entry) => statusAccepted(entry, status))) failures.push(`status ${status} not in ${listed(criterion.accepted)}`);
    } else if (criterion.type === 're_search') {
      if (!criterion.regex.test(body)) failures.push(`body does not match /${criterion.pattern}/`);
    }
  }
  return failures;
}

function describeError(error: unknown, url: URL): string {
  const target = hostPort(url.hostname, url.port || (url.protocol === 'https:' ? 443 : 80));
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message.startsWith('maxContentLength size of')) return `body larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`;
  return networkReason(error, target);
}

/** What a check needs of the answer. */
interface Answer {
  status: number;
  body: string;
}

/** The request's headers in the order axios sent them, and its body. */
function requestOf(options: UrlProbeOptions): { headers: [string, string][]; data: string | undefined } {
  let data: string | undefined;
  if (typeof options.body === 'string') data = options.body;
  else if (options.body !== undefined) data = JSON.stringify(options.body);
  const withBody = options.method === 'post' || options.method === 'put' || options.method === 'patch';
  const contentType = options.body !== undefined && typeof options.body !== 'string' ? 'application/json' : withBody ? 'application/x-www-form-urlencoded' : undefined;
  const headers: [string, string][] = [['Accept', 'application/json, text/plain, */*']];
  if (contentType) headers.push(['Content-Type', contentType]);
  headers.push(['User-Agent', 'DeadPool url_probe']);
  // The user's headers win, whatever their case; a name we already send keeps its place and spelling.
  const set = (name: string, value: string, rewrite: boolean): void => {
    const lower = name.toLowerCase();
    const existing = headers.find(([n]) => n.toLowerCase() === lower);
    if (!existing) headers.push([name, value]);
    else if (rewrite) existing[1] = value;
  };
  for (const [name, value] of Object.entries(options.headers)) set(name, value, true);
  if (data !== undefined) set('Content-Length', String(Buffer.byteLength(data)), false);
  set('Accept-Encoding', 'gzip, compress, deflate, br', false);
  return { headers, data };
}

/** Prepends a zlib header to a raw deflate stream (servers disagree on what "deflate" means). */
function zlibHeader(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (first && chunk.length > 0) {
        first = false;
        if (chunk[0] !== 0x78) this.push(Buffer.from([0x78, 0x9c]));
      }
      callback(null, chunk);
    },
  });
}

const ZLIB_OPTIONS = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_OPTIONS = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** The body as sent, decoded when the server compressed it (not for HEAD or 204, which have none). */
function decoded(res: http.IncomingMessage, method: Method): Readable {
  if (method === 'head' || res.statusCode === 204) return res;
  const encoding = (res.headers['content-encoding'] ?? '').toLowerCase();
  const stages: NodeJS.ReadWriteStream[] = [];
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'compress' || encoding === 'x-compress') stages.push(zlib.createUnzip(ZLIB_OPTIONS));
  else if (encoding === 'deflate') stages.push(zlibHeader(), zlib.createUnzip(ZLIB_OPTIONS));
  else if (encoding === 'br') stages.push(zlib.createBrotliDecompress(BROTLI_OPTIONS));
  if (stages.length === 0) return res;
  let stream: Readable = res;
  for (const stage of stages) {
    const next = stream.pipe(stage) as unknown as Readable;
    stream.on('error', (error) => next.destroy(error));
    stream = next;
  }
  return stream;
}

/** One request, the whole body read (at most MAX_BODY_BYTES), no redirect followed, no proxy. */
function send(options: UrlProbeOptions, signal: AbortSignal): Promise<Answer> {
  const url = new URL(options.url);
  const { headers, data } = requestOf(options);
  const secure = url.protocol === 'https:';
  const agent = secure ? (options.insecure ? insecureHttpsAgent : httpsAgent) : httpAgent;
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
      req.destroy();
    };
    const request = secure ? https.request : http.request;
    const req = request(url, { method: options.method.toUpperCase(), headers: Object.fromEntries(headers), agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // The connection closed before the whole body came: what axios called an aborted stream.
      res.on('aborted', () => fail(Object.assign(new Error('stream has been aborted'), { code: 'ERR_BAD_RESPONSE' })));
      const body = decoded(res, options.method);
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) fail(new Error(`maxContentLength size of ${MAX_BODY_BYTES} exceeded`));
        else chunks.push(chunk);
      });
      body.on('error', fail);
      body.on('end', () => {
        if (settled) return;
        settled = true;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
      });
    });
    req.on('error', fail);
    req.end(data);
  });
}

async function check({ options, signal, timeoutMs, log }: CheckContext<UrlProbeOptions>): Promise<CheckResult> {
  const url = new URL(options.url);
  // Logged without credentials or query string, which may carry tokens.
  const shownUrl = `${options.method.toUpperCase()} ${url.origin}${url.pathname}`;
  const timedOut: CheckResult = { ok: false, reason: timeoutReason(timeoutMs) };
  const started = performance.now();

  // Our own deadline, also fired by the watcher's signal; cleared in `finally` so no timer outlives the check.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const onAbort = (): void => deadline.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) return timedOut;
    const response = await untilAborted(send(options, deadline.signal), deadline.signal);
    const ms = Math.round(performance.now() - started);
    const { body } = response;
    const failures = judge(options.criteria, response.status, body);
    log.debug(`${shownUrl}: status ${response.status}, ${body.length} chars in ${ms} ms`, { duration_ms: ms });
    return failures.length > 0 ? { ok: false, reason: failures.join('; ') } : { ok: true, reason: `status ${response.status} in ${ms} ms` };
  } catch (error) {
    if (deadline.signal.aborted) return timedOut;
    const reason = describeError(error, url);
    log.debug(`${shownUrl}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
    return { ok: false, reason };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

export default {
  name: 'url_probe',
  criteria: ['re_search', 'status_in', 'pass'],
  validate,
  check,
} satisfies ProbeModule<UrlProbeOptions>;
