import type { NotifierConfig } from '../config/schema.ts';
import type { NotifierTarget } from './Notifier.ts';
import type { PostJson } from './postJson.ts';

export const WEBHOOK_ATTEMPTS = 5;

/** The URL as logs may show it: scheme, host and port. Its path, query and user:password may hold a token. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname === '/' && parsed.search === '' ? '/' : '/…'}`;
  } catch {
    return 'a webhook';
  }
}

/** A network failure in words that hold no secret: Node's error code, never axios' message (it may quote the request). */
function failureText(error: unknown, timeoutS: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutS} s`;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? `cannot reach it (${code})` : 'cannot reach it';
}

/**
 * POSTs each event to `webhook.url` with its headers; a 2xx answer within `timeout` (a hard
 * deadline on the whole exchange, not axios' `timeout`, which stops at the headers) delivers it.
 */
export function webhookTarget(webhook: NonNullable<NotifierConfig['webhook']>, attempts: number | undefined, post: PostJson): NotifierTarget {
  const describe = describeUrl(webhook.url);
  const timeoutMs = Math.round(webhook.timeout * 1000);
  return {
    describe,
    attempts: attempts ?? WEBHOOK_ATTEMPTS,
    deliver: async (event, stop) => {
      if (stop.aborted) throw new Error('stopped');
      // One controller per try, its listener on `stop` removed after: AbortSignal.any would tie
      // a signal per event to the notifier's long-lived one.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onStop = (): void => controller.abort();
      stop.addEventListener('abort', onStop, { once: true });
      let status: number;
      try {
        status = await post(webhook.url, JSON.stringify(event), webhook.headers, controller.signal);
      } catch (error) {
        throw new Error(failureText(error, webhook.timeout, timedOut));
      } finally {
        clearTimeout(timer);
        stop.removeEventListener('abort', onStop);
      }
      if (status < 200 || status > 299) throw new Error(`answered ${status}`);
    },
  };
}
