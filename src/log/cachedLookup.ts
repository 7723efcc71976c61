import dns from 'node:dns';
import { isIP } from 'node:net';

export type LookupCallback = (error: Error | null, address?: string) => void;
export type LookupFn = (host: string, options: { family: 4 | 6 }, cb: (error: Error | null, address: string) => void) => void;

export interface CachedLookupOptions {
  family?: 4 | 6;
  /** How long a good answer is used before it is refreshed (the old one stays in use meanwhile). */
  ttlMs?: number;
  /** How long a failure is remembered: an unresolvable host costs one lookup per period, not one per message. */
  failTtlMs?: number;
  /** Callers waiting for a first answer give up after this; the lookup itself cannot be cancelled. */
  timeoutMs?: number;
  lookup?: LookupFn;
}

/**
 * Resolves one host name with at most one lookup running at a time. dns.lookup runs on libuv's small
 * thread pool: one lookup per log message against a hanging resolver would starve file I/O.
 */
export function cachedLookup(host: string, options: CachedLookupOptions = {}): (cb: LookupCallback) => void {
  if (isIP(host)) return (cb) => cb(null, host);
  const { family = 4, ttlMs = 60_000, failTtlMs = 5_000, timeoutMs = 2_000, lookup = dns.lookup as LookupFn } = options;
  let address: string | undefined;
  let failure: Error | undefined;
  let expires = 0;
  let running = false;
  let waiters: LookupCallback[] = [];
  let timer: NodeJS.Timeout | undefined;

  const answer = (cb: LookupCallback): void => (address ? cb(null, address) : cb(failure ?? new Error(`cannot resolve ${host}`)));
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const ready = waiters;
    waiters = [];
    for (const cb of ready) answer(cb);
  };
  const refresh = (): void => {
    if (running) return;
    running = true;
    try {
      lookup(host, { family }, (error, found) => {
        running = false;
        if (error) failure = error;
        else {
          address = found;
          failure = undefined;
        }
        expires = Date.now() + (error ? failTtlMs : ttlMs);
        flush();
      });
    } catch (error) {
      running = false;
      failure = error as Error;
      expires = Date.now() + failTtlMs;
    }
  };

  return (cb) => {
    const fresh = Date.now() < expires;
    if (!fresh) refresh();
    // A stale good address beats waiting: the Graylog host rarely moves.
    if (fresh || address || !running) return answer(cb);
    waiters.push(cb);
    timer ??= setTimeout(() => {
      failure = new Error(`DNS lookup of ${host} timed out after ${timeoutMs} ms`);
      expires = Date.now() + failTtlMs;
      flush();
    }, timeoutMs);
  };
}
