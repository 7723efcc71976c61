import { Router } from '@koa/router';
import Koa from 'koa';
import type { WebConfig } from '../config/schema.ts';
import type { Logger } from '../log/Logger.ts';
import { bearerMatches } from './bearerMatches.ts';
import type { FlagViewState } from './FlagView.ts';
import { verdict, type Freshness } from './verdict.ts';

/** Everything that can change on a live reload is a getter, read again on every request. */
export interface AppDeps {
  getState: () => FlagViewState;
  getEnabledProbes: () => Iterable<string>;
  getWebConfig: () => Pick<WebConfig, 'base_url' | 'name'>;
  /** undefined: no token configured, the answer is open to anyone (the CLI warns about it). */
  getToken: () => string | undefined;
  /** The watcher's heartbeat, the time and the grace: a probe without a fresh result fails. */
  getFreshness: () => Freshness;
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
  const app = new Koa();
  // Errors are caught and logged below; Koa's default would print stacks to stderr.
  app.silent = true;
  app.on('error', (error: unknown) => logger.warning(`web answer failed: ${errorText(error)}`, { component: 'web' }));

  let lastStatus: number | undefined;
  const answer = (ctx: Koa.Context): void => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', ALLOWED_METHODS);
      ctx.body = 'Method Not Allowed\n';
      return;
    }
    const token = deps.getToken();
    if (token !== undefined && !bearerMatches(ctx.get('Authorization'), token)) {
      ctx.status = 511;
      ctx.body = 'Auth ERR\n';
      return;
    }
    const result = verdict(deps.getEnabledProbes(), deps.getState(), deps.getWebConfig().name, deps.getFreshness());
    ctx.status = result.status;
    ctx.body = result.body;
    if (result.status !== lastStatus) {
      // Once per change, not per request: Cloudflare asks several times a second.
      const fields = { component: 'web', status: result.status, dead: result.dead.join(',') || undefined };
      if (result.status === 200) logger.info('now answering 200 OK', fields);
      else logger.warning(`now answering ${result.status}`, fields);
      lastStatus = result.status;
    }
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
