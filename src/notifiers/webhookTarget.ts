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
      const deadline = AbortSignal.timeout(timeoutMs);
      let status: number;
      try {
        status = await post(webhook.url, JSON.stringify(event), webhook.headers, AbortSignal.any([deadline, stop]));
      } catch (error) {
        throw new Error(failureText(error, webhook.timeout, deadline.aborted));
      }
      if (status < 200 || status > 299) throw new Error(`answered ${status}`);
    },
  };
}
