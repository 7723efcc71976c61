/**
 * url_probe: one HTTP(S) request per check, judged by the probe's success criteria. Config-compatible
 * with the Python seed's url_probe (`query{url, header, query_type, timeout}`, criteria `re_search`,
 * `status_in`, `pass`), plus `body`, `insecure`, and the criteria `json` and `max_response_ms`.
 *
 * Choices, and why:
 * - The exchange goes through axios (issue 9). It was once replaced by hand-written node:http code
 *   for speed (BENCHMARKS.md), but that code had to re-create, and keep in step with, what axios
 *   already does and has tested in the field: its headers, gzip/deflate/br decoding with the quirks
 *   of servers' "deflate", a leading BOM dropped, a body limit that counts decoded bytes, aborted
 *   streams, error wrapping. The price is CPU: axios' per-request machinery (config merging,
 *   header objects, the adapter's own bookkeeping) costs about 1.4 times the CPU per check of that
 *   code, and 73 KB of allocations per check against 41 KB (BENCHMARKS.md, section 5 on axios).
 *   Every option below is set explicitly on a bare `Axios`, so that no axios default decides
 *   anything, and a check hands axios only its URL, method, headers, body and signal.
 * - No criteria: the probe passes only on a 2xx status. A probe that could never fail would hide a
 *   dead backend behind a 500 page.
 * - Redirects are not followed (`maxRedirects: 0`) and every status is an answer (`validateStatus`):
 *   a 301 is the backend's answer and is judged like any other status (Cloudflare monitors do not
 *   follow them by default either). Accept one with `status_in: [301]`.
 * - Every check opens a fresh connection (agents without keep-alive or TLS session cache), so a dead
 *   backend or a replaced certificate is seen on the next check, not when a pooled socket expires.
 * - HTTP_PROXY and friends are ignored (`proxy: false`): the probe checks the backend, not a proxy.
 * - The deadline is an AbortSignal (the watcher's, and the module's own timer, so the module is safe
 *   on its own). axios' `timeout` is not used: it stops counting at the response headers, so a body
 *   trickling in byte by byte would pass it; the signal covers the whole exchange.
 * - Bodies are decoded (gzip, deflate, br) and kept as text (`responseType: 'text'`, no
 *   `transformResponse`, so JSON is not parsed behind our back); over 10 MB decoded
 *   (`maxContentLength`) the check fails instead of filling memory.
 * - TLS certificates are verified (chain and host name) unless `insecure: True`.
 * - Header values are secrets: never logged, never echoed in a config error or a reason.
 * - `re_search` patterns, and `json`'s `matches`, are Python's, as the seed's configs and operators'
 *   habits have them: they are run with `re.search` semantics (`$` before a final newline, Unicode
 *   `\w`, `(?x)`…) by `src/probe-kit/pythonRegex.ts`, and reasons quote the pattern as written.
 * - `json` reads one value of a JSON body by a dotted path (`nodes.0.name`) and compares it with
 *   JSON's types: `equals: 3` does not hold for `"3"`, and the reason shows the difference.
 * - `max_response_ms` counts from the start of the request to the body's last byte (connection and
 *   TLS handshake included: each check makes them), the same figure as the passing reason's.
 */
import http from 'node:http';
import https from 'node:https';
import { Axios, type AxiosRequestConfig } from 'axios';
import { z } from 'zod';
import { defineProbe, type CriterionOf, type ProbeOptions } from '../src/probe-api/defineProbe.ts';
import { secret } from '../src/probe-api/secret.ts';
import type { CheckResult, OptionIssue } from '../src/probe-api/types.ts';
import { timeoutReason, untilAborted } from '../src/probe-kit/deadline.ts';
import { hostPort, networkReason } from '../src/probe-kit/networkReason.ts';
import { boolean, noQuery, timeoutSeconds } from '../src/probe-kit/options.ts';
import { pythonPattern } from '../src/probe-kit/pythonPattern.ts';

const METHODS = ['get', 'post', 'put', 'head', 'delete', 'patch', 'options'] as const;
type Method = (typeof METHODS)[number];

const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** The most of a JSON value shown in a reason, in characters. */
const SHOWN_VALUE_CHARS = 60;

// ---------------------------------------------------------------------------------------------- options

const URL_EXPECTED = 'expected an http(s) URL';

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** RFC 9110 token: what Node accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node rejects in a header value (control characters, line breaks). */
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

const headerName = z.string().regex(HEADER_NAME, { error: "expected a header name of letters, digits and !#$%&'*+-.^_`|~" });
// A secret: a config error about a value never shows it (they often carry credentials).
const headerValue = secret(
  z
    .string({ error: 'expected a string (quote it in YAML)' })
    .refine((value) => !BAD_HEADER_VALUE.test(value), { error: 'expected a header value on one line without control characters' }),
);
const header = z
  .record(headerName, headerValue, { error: 'expected a map of header names to values' })
  // `header:` left empty in YAML is no headers, as in the seed.
  .nullable()
  .optional()
  .transform((headers) => headers ?? {});

const METHOD_EXPECTED = `expected one of ${METHODS.join(', ')}`;
const queryType = z
  .string({ error: METHOD_EXPECTED })
  .refine((method) => (METHODS as readonly string[]).includes(method.toLowerCase()), { error: METHOD_EXPECTED })
  .transform((method) => method.toLowerCase() as Method)
  .default('get');

const query = z.strictObject(
  {
    url: z.string({ error: URL_EXPECTED }).refine(isHttpUrl, { error: URL_EXPECTED }),
    header,
    query_type: queryType,
    timeout: timeoutSeconds(5),
    /** A string is sent as is (as `application/x-www-form-urlencoded`, like `curl -d`, unless a header says otherwise); a map as JSON. */
    body: z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'expected a string or a map (sent as JSON)' }).optional(),
    insecure: boolean.default(false),
  },
  { error: 'expected a map with at least url' },
);

/** One entry of `status_in`, kept as written (`200`, `"2xx"`) so reasons quote the config. */
type StatusEntry = number | string;

const STATUS_EXPECTED = 'expected a status code (100-599) or a class like "2xx"';
const STATUS_LIST_EXPECTED = 'expected a list of status codes like [200] or ["2xx"]';

function isStatusEntry(entry: unknown): entry is StatusEntry {
  if (typeof entry === 'number') return Number.isInteger(entry) && entry >= 100 && entry <= 599;
  return typeof entry === 'string' && /^[1-5](xx|\d\d)$/i.test(entry);
}

function statusAccepted(entry: StatusEntry, status: number): boolean {
  if (typeof entry === 'number') return entry === status;
  return /xx$/i.test(entry) ? Math.floor(status / 100) === Number(entry[0]) : Number(entry) === status;
}

/** A list of status entries, or one entry alone (`status_in: 200`). */
const statusIn = z.unknown().transform((value, ctx): StatusEntry[] => {
  if (value === undefined || value === null) {
    // invalid_type without input, so that it reads "missing, expected …".
    ctx.addIssue({ code: 'invalid_type', expected: 'array', message: STATUS_LIST_EXPECTED, input: undefined });
    return z.NEVER;
  }
  if (!Array.isArray(value)) {
    if (isStatusEntry(value)) return [value];
    ctx.addIssue({ code: 'custom', message: `${STATUS_EXPECTED}, or a list of them`, input: value });
    return z.NEVER;
  }
  if (value.length === 0) ctx.addIssue({ code: 'custom', message: STATUS_LIST_EXPECTED, input: value });
  value.forEach((entry: unknown, i) => {
    if (!isStatusEntry(entry)) ctx.addIssue({ code: 'custom', path: [i], message: STATUS_EXPECTED, input: entry });
  });
  return value as StatusEntry[];
});

const JSON_EXPECTED = 'expected a map like { path: status, equals: green }';
const PATH_EXPECTED = 'expected a dotted path like status or nodes.0.name';
const SCALAR_EXPECTED = 'expected a string, a number or True/False';
const scalar = z.union([z.string(), z.number(), z.boolean()], { error: SCALAR_EXPECTED });
const COMPARISONS = ['equals', 'in', 'matches'] as const;

/** One value of a JSON body, found by its dotted path, compared in exactly one way. */
const json = z
  .strictObject(
    {
      path: z
        .string({ error: PATH_EXPECTED })
        .regex(/^[^.]+(\.[^.]+)*$/, { error: PATH_EXPECTED })
        .transform((path) => ({ text: path, segments: path.split('.') })),
      equals: scalar.optional(),
      in: z.array(scalar, { error: 'expected a list of values like [green, yellow]' }).min(1, { error: 'expected a list of values like [green, yellow]' }).optional(),
      matches: pythonPattern.optional(),
    },
    { error: JSON_EXPECTED },
  )
  .superRefine((q, ctx) => {
    const given = COMPARISONS.filter((key) => q[key] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'expected one of equals, in or matches beside path', input: q });
    // Each comparison after the first is the problem: with two, which one holds would be a guess.
    for (const key of given.slice(1)) ctx.addIssue({ code: 'custom', path: [key], message: `expected only one of equals, in or matches (${given[0]} is given)`, input: q[key] });
  });

const MAX_MS_EXPECTED = 'expected a number of milliseconds above 0, like 500';
const maxResponseMs = z.number({ error: MAX_MS_EXPECTED }).positive({ error: MAX_MS_EXPECTED });

const criteria = { re_search: pythonPattern, status_in: statusIn, pass: noQuery, json, max_response_ms: maxResponseMs };

export type UrlProbeOptions = ProbeOptions<typeof query, typeof criteria>;
type UrlCriterion = CriterionOf<typeof criteria>;

/** A `max_response_ms` no answer can exceed without timing out first would never fail: a config error. */
function refine({ query: q, criteria: list }: UrlProbeOptions): OptionIssue[] {
  const timeoutMs = q.timeout * 1000;
  return list.flatMap((c) =>
    c.type === 'max_response_ms' && c.query >= timeoutMs
      ? [{ path: ['success_criteria', c.label, 'query'], message: `expected less than the timeout (${timeoutMs} ms): a slower answer times out first, got ${c.query}` }]
      : [],
  );
}

// ---------------------------------------------------------------------------------------------- check

// Shared agents without keep-alive or TLS session cache: each check connects and handshakes afresh.
const httpAgent = new http.Agent({ keepAlive: false });
const httpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, rejectUnauthorized: true });
const insecureHttpsAgent = new https.Agent({ keepAlive: false, maxCachedSessions: 0, rejectUnauthorized: false });

/**
 * Every choice of ours, set once per client; a request adds only what differs per probe. A bare
 * `Axios` rather than `axios.create`: `create` copies axios' global defaults in as well (header
 * buckets per method, `transitional`, `env`, xsrf names), and every request merges and validates
 * all of them again for nothing the http adapter reads. With the empty transform lists (no
 * function to call, bodies go and come back as they are) that was about a sixth of a check's
 * allocations and a tenth of its CPU. axios' two default headers are set here instead, in their
 * order: `Content-Type` has no value, but a body's Content-Type takes its place, as it did.
 */
function client(agentForHttps: https.Agent): Axios {
  return new Axios({
    adapter: 'http',
    timeout: 0,
    maxRedirects: 0,
    validateStatus: () => true,
    proxy: false,
    decompress: true,
    responseType: 'text',
    responseEncoding: 'utf8',
    transformRequest: [],
    transformResponse: [],
    maxContentLength: MAX_BODY_BYTES,
    httpAgent,
    httpsAgent: agentForHttps,
    headers: { Accept: 'application/json, text/plain, */*', 'Content-Type': undefined, 'User-Agent': 'DeadPool url_probe' },
  });
}
// One client per TLS policy, so that a request need not carry an agent.
const verifyingClient = client(httpsAgent);
const insecureClient = client(insecureHttpsAgent);

/** `"red"`, `3`, `{"a":1,…`: a JSON value on one line, cut short. */
function showJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHOWN_VALUE_CHARS ? `${text.slice(0, SHOWN_VALUE_CHARS - 1)}…` : text;
}

/** The value at `segments` (numeric segments index lists), or `undefined` when there is none. */
function lookup(document: unknown, segments: readonly string[]): { value: unknown } | undefined {
  let node = document;
  for (const segment of segments) {
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(segment) || Number(segment) >= node.length) return undefined;
      node = node[Number(segment)];
    } else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return { value: node };
}

type JsonQuery = z.output<typeof json>;

/** Why a `json` criterion does not hold, or `undefined` when it does. */
function judgeJson(q: JsonQuery, document: unknown): string | undefined {
  const found = lookup(document, q.path.segments);
  if (!found) return `json ${q.path.text} not found`;
  const { value } = found;
  const is = `json ${q.path.text} is ${showJson(value)}`;
  if (q.equals !== undefined) return value === q.equals ? undefined : `${is}, expected ${showJson(q.equals)}`;
  if (q.in !== undefined) return q.in.includes(value as string | number | boolean) ? undefined : `${is}, expected one of ${q.in.map(showJson).join(', ')}`;
  if (q.matches !== undefined) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return q.matches.regex.test(text) ? undefined : `${is}, expected to match /${q.matches.pattern}/`;
  }
  return undefined;
}

const listed = (accepted: readonly StatusEntry[]): string => `[${accepted.join(', ')}]`;

/** Failure reasons of the criteria that do not hold, in config order. */
function judge(criteria: readonly UrlCriterion[], status: number, body: string, ms: number): string[] {
  if (criteria.length === 0) return Math.floor(status / 100) === 2 ? [] : [`status ${status} not in [2xx]`];
  const failures: string[] = [];
  let document: { value: unknown } | 'not json' | undefined;
  for (const criterion of criteria) {
    switch (criterion.type) {
      case 'status_in':
        if (!criterion.query.some((entry) => statusAccepted(entry, status))) failures.push(`status ${status} not in ${listed(criterion.query)}`);
        break;
      case 're_search':
        if (!criterion.query.regex.test(body)) failures.push(`body does not match /${criterion.query.pattern}/`);
        break;
      case 'json': {
        if (document === undefined) {
          try {
            document = { value: JSON.parse(body) as unknown };
          } catch {
            document = 'not json';
            failures.push('body is not JSON');
          }
        }
        // A body that is not JSON is said once, however many json criteria there are.
        const failure = document === 'not json' ? undefined : judgeJson(criterion.query, document.value);
        if (failure) failures.push(failure);
        break;
      }
      case 'max_response_ms':
        if (ms > criterion.query) failures.push(`answered in ${ms} ms, more than ${criterion.query}`);
        break;
      case 'pass':
        break;
    }
  }
  return failures;
}

function describeError(error: unknown, target: string): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message.startsWith('maxContentLength size of')) return `body larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`;
  // axios keeps Node's error (with address and port) as `cause`; networkReason looks there.
  return networkReason(error, target);
}

/** `GET https://host:port/path`, for the debug log: without credentials or query string, which may carry tokens. */
function shownRequest(q: UrlProbeOptions['query']): string {
  const url = new URL(q.url);
  return `${q.query_type.toUpperCase()} ${url.origin}${url.pathname}`;
}

/** `host:port` of the URL, for a network failure's reason. */
function targetOf(q: UrlProbeOptions['query']): string {
  const url = new URL(q.url);
  return hostPort(url.hostname, url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** What axios is handed besides the signal. */
interface RequestConfig {
  url: string;
  method: Method;
  headers?: Record<string, string>;
  data?: string;
}

/**
 * The request's body as sent, and the headers that go with it (the user's headers win, whatever
 * their case). Built per check rather than kept per probe: it is a few small objects, while a
 * copy kept beside each of 10,000 probes' options would cost more memory than it saves CPU.
 */
function requestOf(q: UrlProbeOptions['query']): RequestConfig {
  const config: RequestConfig = { url: q.url, method: q.query_type };
  // Without headers of the probe's own the client's are used as they are, with no merge of an empty map.
  if (Object.keys(q.header).length > 0) config.headers = q.header;
  if (q.body === undefined) return config;
  if (typeof q.body === 'string') {
    config.data = q.body;
    return config;
  }
  config.data = JSON.stringify(q.body);
  if (!Object.keys(q.header).some((name) => name.toLowerCase() === 'content-type')) config.headers = { 'Content-Type': 'application/json', ...q.header };
  return config;
}

export default defineProbe({
  name: 'url_probe',
  query,
  criteria,
  timeout: (q) => q.timeout,
  refine,
  async check({ options: { query: q, criteria: list }, signal, timeoutMs, log }): Promise<CheckResult> {
    if (signal.aborted) return { ok: false, reason: timeoutReason(timeoutMs) };
    const started = performance.now();

    // Our own deadline, also fired by the watcher's signal; cleared in `finally` so no timer outlives the check.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const onAbort = (): void => deadline.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const config: AxiosRequestConfig = requestOf(q);
      config.signal = deadline.signal;
      const request = (q.insecure ? insecureClient : verifyingClient).request<string>(config);
      // The signal stops axios; this makes sure the check ends at the deadline whatever axios is doing.
      const response = await untilAborted(request, deadline.signal);
      const ms = Math.round(performance.now() - started);
      const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
      const failures = judge(list, response.status, body, ms);
      if (log.enabled('debug')) log.debug(`${shownRequest(q)}: status ${response.status}, ${body.length} chars in ${ms} ms`, { duration_ms: ms });
      return failures.length > 0 ? { ok: false, reason: failures.join('; ') } : { ok: true, reason: `status ${response.status} in ${ms} ms` };
    } catch (error) {
      if (deadline.signal.aborted) return { ok: false, reason: timeoutReason(timeoutMs) };
      const reason = describeError(error, targetOf(q));
      if (log.enabled('debug')) log.debug(`${shownRequest(q)}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
      return { ok: false, reason };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  },
});
