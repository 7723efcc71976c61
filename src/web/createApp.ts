import { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import Koa from 'koa';
import type { WebConfig } from '../config/schema.ts';
import type { Logger } from '../log/Logger.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import { didYouMean } from '../probe-api/suggest.ts';
import type { ProbeStatus } from '../verdict/ProbeStatus.ts';
import type { ProbeVerdict, Selection } from '../verdict/verdict.ts';
import type { WatcherState } from '../flag-store/watcherState.ts';
import type { ForcedCheck } from '../watcher-link/forceProtocol.ts';
import type { WatcherMetricsParts } from '../watcher-link/watcherMetrics.ts';
import { heartbeatLimit, withCheck } from '../verdict/probeStatuses.ts';
import { basicPasswordMatches } from './basicPasswordMatches.ts';
import { bearerMatches } from './bearerMatches.ts';
import { memoizedVerdicts, type VerdictSources, type Verdicts } from './memoizedVerdicts.ts';
import { mergeExpositions, PROMETHEUS_CONTENT_TYPE } from '../metrics/exposition.ts';
import { processMetrics } from './processMetrics.ts';
import { renderHealth } from './renderHealth.ts';
import { renderMetrics } from './renderMetrics.ts';
import { RequestCounts } from './RequestCounts.ts';
import { renderHealthPage } from './renderHealthPage.ts';
import { stateAfterForced } from './stateAfterForced.ts';

/** What `?cache=false` needs from outside: the watcher's forced checks and a fresh look at the flags. */
export interface ForcedChecks {
  /** Asks the watcher to check these probes now; the results that came back within the bounded wait, by probe. Never rejects. */
  check(names: readonly string[]): Promise<ReadonlyMap<string, ForcedCheck>>;
  /** Resolves once the flag view holds a scan begun after the call. */
  rescanFlags(): Promise<void>;
}

/** Everything that can change on a live reload is a getter, read again on every request. */
export interface AppDeps extends VerdictSources {
  getWebConfig: () => Pick<WebConfig, 'base_url'> & Partial<Pick<WebConfig, 'metrics_public'>>;
  /** undefined: no token configured, the answer is open to anyone (the CLI warns about it). */
  getToken: () => string | undefined;
  /** The verdicts to answer with, when the caller shares them (see memoizedVerdicts); else made from the getters. */
  verdicts?: Verdicts;
  /** For `?cache=false`; absent, such a request is answered as a plain one. */
  forced?: ForcedChecks;
  /**
   * The watcher's part of `/metrics` (its text, from its socket), waited for at most `budgetMs`;
   * undefined when it did not come. Absent: `/metrics` has the responder's part only.
   */
  watcherMetrics?: (budgetMs: number) => Promise<WatcherMetricsParts | undefined>;
  /** A request answered 511, with its client's address (never its credentials): for a summary, not a line per request. */
  onUnauthorized?: (remote: string | undefined) => void;
  logger: Logger;
}

const ALLOWED_METHODS = 'GET, HEAD';

/**
 * What a path answers: the Cloudflare answer for a selection (base_url, a pool), FT's
 * good-to-go, FT's health JSON, or Prometheus' metrics. `label` is its `route` in
 * deadpool_requests_total.
 */
type Route = ({ kind: 'answer'; selection: Selection; plain: boolean } | { kind: 'gtg' } | { kind: 'health' } | { kind: 'metrics' }) & { label: string };

/** The path Prometheus scrapes. */
export const METRICS_PATH = '/metrics';
/** deadpool_requests_total's route for every path the responder does not serve. */
const OTHER_ROUTE = 'other';
/** How long a scrape waits for the watcher's part when Prometheus does not say its timeout. */
const WATCHER_METRICS_WAIT_MS = 5000;

/**
 * The responder as a Koa app, tested through `app.callback()`. Every answer, errors included,
 * carries `Cache-Control: no-store` (Cloudflare or a proxy in between must never replay an old
 * "OK"), and only an authorised GET/HEAD on one of its routes can say anything about the probes:
 * `WEB.base_url` (every category), each `WEB.pools.<name>.path` (the pool's categories), `/__gtg`
 * and `/__health`; `?categories=a,b` selects categories on any of them.
 */
export function createApp(deps: AppDeps): Koa {
  const { logger } = deps;
  const app = new FastPathKoa();
  // Errors are caught and logged below; Koa's default would print stacks to stderr.
  app.silent = true;
  app.on('error', (error: unknown) => logger.warning(`web answer failed: ${errorText(error)}`, { component: 'web' }));

  const verdicts = deps.verdicts ?? memoizedVerdicts(deps);
  const routes = routeTable(() => deps.getWebConfig().base_url, deps.getModel);
  const requests = new RequestCounts();
  // The token is checked in constant time on every request. It is not cached per connection: a
  // proxy in front may multiplex many clients onto one kept-alive connection, and comparing one
  // client's header with another's cached one would leak the token through timing.
  // Changes of the answer are logged where they happen (logAnswerChanges.ts), not here: a recovery
  // between two requests would never be logged, and a request is no time to log.
  const authorized = (authorization: string | undefined, remote: string | undefined): boolean => {
    const token = deps.getToken();
    if (token === undefined || bearerMatches(authorization, token)) return true;
    deps.onUnauthorized?.(remote);
    return false;
  };
  /**
   * The HTML page also takes the token as the password of HTTP Basic auth: a browser cannot send a
   * bearer header. A request without credentials is a browser's first one, not a failure to count.
   */
  const pageAuthorized = (authorization: string | undefined, remote: string | undefined): boolean => {
    const token = deps.getToken();
    if (token === undefined || bearerMatches(authorization, token) || basicPasswordMatches(authorization, token)) return true;
    if (authorization) deps.onUnauthorized?.(remote);
    return false;
  };
  /**
   * `?cache=false`: the selected probes checked now by the watcher, then the answer from the flags
   * it wrote and its results, through the same verdict as every other answer. A probe with no
   * result in time, or no watcher listening, counts as the state file says.
   */
  const forcedVerdicts = async (forced: ForcedChecks, selection: Selection): Promise<{ verdicts: Verdicts; state: WatcherState | undefined }> => {
    const names = verdicts(selection).probes.map((probe) => probe.name);
    const results = await forced.check(names);
    await forced.rescanFlags();
    const freshness = deps.getFreshness();
    const state = freshness.watcher.state;
    const watcher = state === undefined ? freshness.watcher : { state: stateAfterForced(state, results) };
    return { verdicts: memoizedVerdicts({ ...deps, getFreshness: () => ({ ...freshness, watcher }) }), state: watcher.state };
  };
  /**
   * The responder's metrics (from the verdicts: success, pools; its requests and process) and the
   * watcher's (the checks' numbers), as one text. The watcher is given what is left of
   * Prometheus' scrape timeout (its `X-Prometheus-Scrape-Timeout-Seconds`), so a slow watcher
   * costs its part of one scrape, not the whole scrape; `deadpool_watcher_metrics_up` says so.
   */
  const metrics = async (ctx: Koa.Context): Promise<void> => {
    const timeoutS = Number.parseFloat(ctx.get('X-Prometheus-Scrape-Timeout-Seconds'));
    const budgetMs = Number.isFinite(timeoutS) && timeoutS > 0 ? Math.min(WATCHER_METRICS_WAIT_MS, Math.max(100, timeoutS * 1000 - 250)) : WATCHER_METRICS_WAIT_MS;
    const [watcher, processText] = await Promise.all([deps.watcherMetrics?.(budgetMs), processMetrics()]);
    // The watcher's bytes are lent until the answer has gone out (or was cut, maybe while we waited for them).
    if (watcher && ctx.res.closed) watcher.release(false);
    else if (watcher) ctx.res.once('close', () => watcher.release(ctx.res.writableFinished));
    const up = `# HELP deadpool_watcher_metrics_up 1 when this scrape has the watcher's metrics (checks, durations, drift), else 0.\n# TYPE deadpool_watcher_metrics_up gauge\ndeadpool_watcher_metrics_up ${watcher === undefined ? 0 : 1}\n`;
    const own = renderMetrics(verdicts, deps.getModel(), deps.getFreshness());
    const merged = mergeExpositions([own.text, up, requests.text(), processText, watcher?.shared ?? '']);
    ctx.status = 200;
    ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
    // The probes' families (the responder's success lines, the watcher's own) go out as bytes, never joined into one string.
    ctx.body = Readable.from([Buffer.from(merged), own.probes, ...(watcher?.rest ?? [])], { objectMode: false });
  };
  const answer = async (ctx: Koa.Context, route: Route): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', ALLOWED_METHODS);
      ctx.body = 'Method Not Allowed\n';
      return;
    }
    if (route.kind === 'metrics' && deps.getWebConfig().metrics_public === true) {
      await metrics(ctx);
      return;
    }
    // /__health answers JSON or HTML as Accept asks (FT): a cache in between must keep them apart.
    if (route.kind === 'health') ctx.set('Vary', 'Accept');
    const page = route.kind === 'health' && ctx.accepts('application/json', 'text/html') === 'text/html';
    if (page) {
      if (!pageAuthorized(ctx.get('Authorization'), ctx.ip)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', `Basic realm="${realm(deps.getModel().name)}", charset="UTF-8"`);
        ctx.body = 'Unauthorized: the password is the access token (any user name)\n';
        return;
      }
    } else if (!authorized(ctx.get('Authorization'), ctx.ip)) {
      ctx.status = AUTH_ERR.status;
      ctx.body = AUTH_ERR.body;
      return;
    }
    if (route.kind === 'metrics') {
      await metrics(ctx);
      return;
    }
    const categories = categoriesOf(ctx.query['categories'], deps.getModel());
    if (typeof categories === 'string') {
      ctx.status = 400;
      ctx.body = `${categories}\n`;
      return;
    }
    const base = route.kind === 'answer' ? route.selection : {};
    const selection = categories === undefined ? base : { ...base, categories };
    const forced = deps.forced !== undefined && ctx.query['cache'] === 'false' ? await forcedVerdicts(deps.forced, selection) : undefined;
    const among = forced?.verdicts ?? verdicts;
    const result = among(selection);
    if (route.kind === 'answer') {
      ctx.status = result.status;
      ctx.body = result.body;
      return;
    }
    if (route.kind === 'gtg') {
      ctx.status = result.status;
      ctx.body = result.status === 200 ? 'OK\n' : result.body.slice(result.body.indexOf('\n') + 1);
      return;
    }
    // /__health lists the verdict every answer uses; each row adds its probe's last check (from
    // the state the forced checks left, if any) as it is rendered.
    const freshness = deps.getFreshness();
    const checksFrom = forced ? forced.state : freshness.watcher.state;
    if (page) {
      const model = deps.getModel();
      const state = freshness.watcher.state;
      const rendered = renderHealthPage({
        model,
        dc: among(selectionOf(routes().get(deps.getWebConfig().base_url)) ?? {}),
        pools: [...model.pools.values()].map((pool) => among(selectionOf(routes().get(pool.path)) ?? { pool: pool.name })),
        shown: result,
        state: checksFrom,
        selected: categories,
        now: freshness.now,
        freshUntil: state === undefined ? undefined : state.written_at + heartbeatLimit(state, freshness.graceMs),
        freshForMs: state === undefined ? undefined : heartbeatLimit(state, freshness.graceMs),
      });
      ctx.status = 200;
      ctx.body = Readable.from(rendered.chunks());
      ctx.set('Content-Type', 'text/html; charset=utf-8');
      ctx.set('Content-Security-Policy', rendered.contentSecurityPolicy);
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Referrer-Policy', 'no-referrer');
    } else {
      ctx.status = 200;
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      const statusOf = (probe: ProbeVerdict): ProbeStatus => withCheck(probe.status, checksFrom, probe.name);
      ctx.body = JSON.stringify(renderHealth(result, deps.getModel(), freshness.now, statusOf), null, 2) + '\n';
    }
  };

  app.fastPath = (req, res) => {
    const { method, url } = req;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const route = url === undefined ? undefined : routes().get(url);
    if (route?.kind !== 'answer' || !route.plain) return false;
    const debug = logger.enabled('debug');
    const started = debug ? performance.now() : 0;
    let reply: Reply;
    try {
      reply = authorized(authorizationOf(req.rawHeaders), req.socket.remoteAddress) ? verdicts(route.selection) : AUTH_ERR;
    } catch {
      // Koa's path asks again and answers (and logs) the error as it does for any other.
      return false;
    }
    res.writeHead(reply.status, headersFor(reply));
    if (method === 'HEAD') res.end();
    else res.end(reply.body);
    requests.add(route.label, reply.status);
    if (!debug) return true;
    logger.debug('web request', {
      component: 'web',
      method,
      path: url,
      status: reply.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      remote: req.socket.remoteAddress || '',
      user_agent: req.headers['user-agent'] || undefined,
    });
    return true;
  };

  app.use(async (ctx, next) => {
    const started = performance.now();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Type', 'text/plain; charset=utf-8');
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
    } catch (error) {
      logger.error(`web request failed: ${errorText(error)}`, { component: 'web', method: ctx.method, path: ctx.path });
      ctx.remove('Allow');
      ctx.set('Content-Type', 'text/plain; charset=utf-8');
      ctx.status = 500;
      ctx.body = 'Internal Server Error\n';
    }
    requests.add(routes().get(ctx.path)?.label ?? OTHER_ROUTE, ctx.status);
    // Never the Authorization header: it is the token.
    logger.debug('web request', {
      component: 'web',
      method: ctx.method,
      path: ctx.path,
      status: ctx.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      remote: ctx.ip,
      user_agent: ctx.get('User-Agent') || undefined,
    });
  });
  app.use(async (ctx) => {
    const route = routes().get(ctx.path);
    if (route) {
      await answer(ctx, route);
      return;
    }
    ctx.status = 404;
    ctx.body = 'Not Found\n';
  });
  return app;
}

/**
 * `?categories=a,b` as a list (undefined when absent or empty: every category of the route), or
 * the message of a 400 when it names a category the config does not have: a typo must not
 * quietly select nothing, which would answer 200.
 */
function categoriesOf(raw: string | string[] | undefined, model: HealthModel): readonly string[] | string | undefined {
  if (raw === undefined) return undefined;
  const names = [...new Set((Array.isArray(raw) ? raw.join(',') : raw).split(',').map((name) => name.trim()).filter((name) => name !== ''))];
  if (names.length === 0) return undefined;
  const known = [...model.categories.keys()];
  for (const name of names) {
    if (!model.categories.has(name)) return `unknown category "${name.slice(0, 100)}"${didYouMean(name, known)}; expected some of ${known.join(', ')}`;
  }
  return names.sort();
}

/** The responder's paths, rebuilt only when a reload changed base_url or the pools. */
function routeTable(getBaseUrl: () => string, getModel: () => HealthModel): () => ReadonlyMap<string, Route> {
  let built: { baseUrl: string; pools: HealthModel['pools']; routes: Map<string, Route> } | undefined;
  return () => {
    const baseUrl = getBaseUrl();
    const pools = getModel().pools;
    if (built?.baseUrl === baseUrl && built.pools === pools) return built.routes;
    const routes = new Map<string, Route>([
      ['/__gtg', { kind: 'gtg', label: '/__gtg' }],
      ['/__health', { kind: 'health', label: '/__health' }],
      [METRICS_PATH, { kind: 'metrics', label: METRICS_PATH }],
    ]);
    for (const pool of pools.values()) routes.set(pool.path, { kind: 'answer', selection: { pool: pool.name }, plain: !UNPLAIN.test(pool.path), label: pool.path });
    routes.set(baseUrl, { kind: 'answer', selection: {}, plain: !UNPLAIN.test(baseUrl), label: baseUrl });
    built = { baseUrl, pools, routes };
    return routes;
  };
}

/** The selection a route answers for (the routes keep one object each: the memo's key is built once). */
function selectionOf(route: Route | undefined): Selection | undefined {
  return route?.kind === 'answer' ? route.selection : undefined;
}

/** WEB.name as a quoted-string of a header (RFC 9110 §5.6.4): printable ASCII, quotes and backslashes escaped. */
function realm(name: string): string {
  return `DeadPool ${name}`.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&');
}

interface Reply {
  status: number;
  body: string;
}

const AUTH_ERR: Reply = { status: 511, body: 'Auth ERR\n' };

/**
 * The Authorization header as `req.headers.authorization` would give it (the first one), read from
 * `rawHeaders`: `req.headers` is built on first use, every header of the request lowercased and
 * copied, which the fast path would pay on every request for this one value.
 */
function authorizationOf(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') return raw[i + 1];
  }
  return undefined;
}

/** The answer's headers; built once per answer (answers are reused while nothing changes), not per request. */
let lastHeaders: { reply: Reply; headers: string[] } | undefined;

function headersFor(reply: Reply): string[] {
  if (lastHeaders?.reply !== reply) {
    const headers = [
      'Cache-Control', 'no-store',
      'Content-Type', 'text/plain; charset=utf-8',
      'X-Content-Type-Options', 'nosniff',
      'Content-Length', String(Buffer.byteLength(reply.body)),
    ];
    lastHeaders = { reply, headers };
  }
  return lastHeaders.headers;
}

/**
 * Koa costs more per request than everything DeadPool does to answer (its context objects,
 * middleware chain and router took the responder to 40 % of a bare node:http server's
 * requests/s; see BENCHMARKS.md). So the one request Cloudflare makes, GET/HEAD on base_url,
 * is answered before Koa by `fastPath`, with the same status, headers, body and log record;
 * everything else (other paths and methods, errors) goes through Koa as before.
 */
const ANSWERED = Promise.resolve();

class FastPathKoa extends Koa {
  fastPath: (req: IncomingMessage, res: ServerResponse) => boolean = () => false;

  override callback(): ReturnType<Koa['callback']> {
    const viaKoa = super.callback();
    // Not an async function: one promise per request is a measurable share of 50,000 requests/s.
    return (req, res) => (req instanceof IncomingMessage && res instanceof ServerResponse && this.fastPath(req, res) ? ANSWERED : viaKoa(req, res));
  }
}

/** What parseurl does not take on its fast path, plus "?" itself: such a path is left to Koa, which stays the reference. */
const UNPLAIN = /[\t\n\f\r #?\u00a0\ufeff]/;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
