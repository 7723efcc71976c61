import { Router } from '@koa/router';
import { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import type { WebConfig } from '../config/schema.ts';
import type { Logger } from '../log/Logger.ts';
import { bearerMatches } from './bearerMatches.ts';
import { memoizedVerdict, type VerdictInputs } from './memoizedVerdict.ts';
import type { Verdict } from './verdict.ts';

/** Everything that can change on a live reload is a getter, read again on every request. */
export interface AppDeps extends VerdictInputs {
  getWebConfig: () => Pick<WebConfig, 'base_url' | 'name'>;
  /** undefined: no token configured, the answer is open to anyone (the CLI warns about it). */
  getToken: () => string | undefined;
  /** The verdict to answer with, when the caller shares it (see memoizedVerdict); else made from the getters. */
  currentVerdict?: () => Verdict;
  /** A request answered 511, with its client's address (never its credentials): for a summary, not a line per request. */
  onUnauthorized?: (remote: string | undefined) => void;
  logger: Logger;
}

const ALLOWED_METHODS = 'GET, HEAD';

/**
 * The responder as a Koa app, tested through `app.callback()`. Every answer, errors included, is
 * plain text that no cache may keep (Cloudflare or a proxy in between must never replay an old
 * "OK"), and only an authorised GET/HEAD on `WEB.base_url` can say anything about the probes.
 */
export function createApp(deps: AppDeps): Koa {
  const { logger } = deps;
  const app = new FastPathKoa();
  // Errors are caught and logged below; Koa's default would print stacks to stderr.
  app.silent = true;
  app.on('error', (error: unknown) => logger.warning(`web answer failed: ${errorText(error)}`, { component: 'web' }));

  const currentVerdict = deps.currentVerdict ?? memoizedVerdict(deps);
  /** The answer to an authorised or unauthorised GET/HEAD on base_url: the same for both paths below. */
  // The token is checked in constant time on every request. It is not cached per connection: a
  // proxy in front may multiplex many clients onto one kept-alive connection, and comparing one
  // client's header with another's cached one would leak the token through timing.
  // Changes of the answer are logged where they happen (logAnswerChanges.ts), not here: a recovery
  // between two requests would never be logged, and a request is no time to log.
  const decide = (authorization: string | undefined, remote: string | undefined): Reply => {
    const token = deps.getToken();
    if (token !== undefined && !bearerMatches(authorization, token)) {
      deps.onUnauthorized?.(remote);
      return AUTH_ERR;
    }
    return currentVerdict();
  };
  const answer = (ctx: Koa.Context): void => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', ALLOWED_METHODS);
      ctx.body = 'Method Not Allowed\n';
      return;
    }
    const reply = decide(ctx.get('Authorization'), ctx.ip);
    ctx.status = reply.status;
    ctx.body = reply.body;
  };

  app.fastPath = (req, res) => {
    const { method, url } = req;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const baseUrl = deps.getWebConfig().base_url;
    if (url === undefined || !isBaseUrl(url, baseUrl)) return false;
    const debug = logger.enabled('debug');
    const started = debug ? performance.now() : 0;
    let reply: Reply;
    try {
      reply = decide(authorizationOf(req.rawHeaders), req.socket.remoteAddress);
    } catch {
      // Koa's path asks again and answers (and logs) the error as it does for any other.
      return false;
    }
    res.writeHead(reply.status, headersFor(reply));
    if (method === 'HEAD') res.end();
    else res.end(reply.body);
    if (!debug) return true;
    logger.debug('web request', {
      component: 'web',
      method,
      path: baseUrl,
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
      ctx.status = 500;
      ctx.body = 'Internal Server Error\n';
    }
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
  app.use(routesFor(() => deps.getWebConfig().base_url, answer));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'Not Found\n';
  });
  return app;
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

/**
 * Whether Koa would route this request to the answer: its path (what comes before "?") is
 * base_url. Only plain base_urls qualify; one with characters that make Koa's URL parser take
 * its slow road ("#", spaces, "?") is left to Koa, which stays the reference.
 */
function isBaseUrl(url: string, baseUrl: string): boolean {
  if (!url.startsWith(baseUrl) || (url.length !== baseUrl.length && url.charCodeAt(baseUrl.length) !== QUESTION_MARK)) return false;
  if (baseUrl !== lastBaseUrl) {
    lastBaseUrl = baseUrl;
    lastBaseUrlPlain = !UNPLAIN.test(baseUrl);
  }
  return lastBaseUrlPlain;
}

let lastBaseUrl: string | undefined;
let lastBaseUrlPlain = false;

const QUESTION_MARK = 0x3f;
/** What parseurl does not take on its fast path, plus "?" itself. */
const UNPLAIN = /[\t\n\f\r #?\u00a0\ufeff]/;

/** The router for the current base_url, rebuilt only when a reload changed it. */
function routesFor(getBaseUrl: () => string, answer: (ctx: Koa.Context) => void): Koa.Middleware {
  type Routes = ReturnType<Router['routes']>;
  let built: { baseUrl: string; routes: Routes } | undefined;
  return (ctx, next) => {
    const baseUrl = getBaseUrl();
    let current = built;
    if (current?.baseUrl !== baseUrl) {
      const router = new Router();
      // A RegExp, not a path-to-regexp string: a base_url like "/health:dc1" must match literally.
      router.all(new RegExp(`^${escapeRegExp(baseUrl)}$`), answer);
      current = built = { baseUrl, routes: router.routes() };
    }
    return current.routes(ctx as Parameters<Routes>[0], next);
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
