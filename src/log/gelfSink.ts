import os from 'node:os';
import { createRequire } from 'node:module';
import { LEVELS, type LogFields, type LogRecord } from './Logger.ts';
import type { Sink } from './createLogger.ts';
import { cachedLookup, type LookupFn } from './cachedLookup.ts';
import { gelfProAdapter } from './gelfProAdapter.ts';

/** gelf-pro only once a GELF sink is made: loading it costs a process about 5 MB, and most runs log to stdout only. */
const require = createRequire(import.meta.url);
type GelfPro = typeof import('gelf-pro');

export interface GelfSinkOptions {
  server: string;
  port: number;
  protocol: 'udp' | 'tcp';
  /** GELF `host` (who sends): defaults to os.hostname(). */
  host?: string;
  /** Sent as `_facility`: GELF 1.1 dropped the top-level field. */
  facility?: string;
  /** Sent with every message (as `_<key>`), before the record's own fields: e.g. the DC's name. */
  fields?: LogFields;
  family?: 4 | 6;
  /** Messages being resolved or sent at once (one socket each); beyond this they are dropped and counted. */
  maxInFlight?: number;
  /** TCP connect/send idle limit, and how long a message waits for DNS. */
  timeoutMs?: number;
  /** Least time between two loss reports. */
  reportEveryMs?: number;
  /** Gets loss reports (never record contents); defaults to a line on stderr. Must not log to this sink. */
  onError?: (error: Error) => void;
  /** For tests: a resolver that hangs or fails on demand. */
  lookup?: LookupFn;
}

export interface GelfSinkStats {
  inFlight: number;
  sent: number;
  /** Attempted but failed: DNS, connection, timeout. */
  failed: number;
  /** Never attempted: too many in flight. */
  dropped: number;
  openSockets: number;
}

export type GelfSink = Sink & {
  /** Waits for messages in flight (at most `waitMs`), then closes what is left. Later records are ignored. */
  close(waitMs?: number): Promise<void>;
  stats(): GelfSinkStats;
};

/** Field names GELF owns at the top level; gelf-pro would let a record field overwrite them (and drops `id`). */
const RESERVED = new Set(['version', 'host', 'short_message', 'level', 'timestamp', 'id']);

const MAX_MESSAGE = 32_765;

/** A record as gelf-pro's getStringFromObject wants it: it adds the `_` to every other field. */
export function toGelf({ time, level, message, fields }: LogRecord, host: string, facility?: string, always?: LogFields): Record<string, unknown> {
  const extra: Record<string, unknown> = facility === undefined ? {} : { facility };
  for (const [key, value] of Object.entries(always === undefined ? fields : { ...always, ...fields })) {
    // gelf-pro console.warn()s on every message with such a key; Graylog rejects them.
    const name = key.replace(/[^\w-]/g, '_');
    if (value === undefined || name === '') continue;
    extra[RESERVED.has(name) ? `field_${name}` : name] = value;
  }
  // gelf-pro cuts fields at 32 765 characters but not the message; its TCP adapter copies each byte
  // into a JS array, and over UDP more than 128 chunks is an error.
  const short_message = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message;
  return { ...extra, short_message, level: LEVELS[level], timestamp: time.getTime() / 1000, host };
}

export function gelfSink(options: GelfSinkOptions): GelfSink {
  const gelf = require('gelf-pro') as GelfPro;
  const { server, port, protocol, host = os.hostname(), facility, fields, family = 4, maxInFlight = 32, timeoutMs = 2_000 } = options;
  const { reportEveryMs = 60_000, onError = (e) => process.stderr.write(`${e.message}\n`), lookup } = options;
  // gelf-pro would throw this from a socket callback, where nothing can catch it.
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`GELF port must be 1-65535, got ${port}`);
  const resolve = cachedLookup(server, { family, timeoutMs, lookup });
  const adapter = gelfProAdapter({ protocol, port, family, timeoutMs });
  const target = `${server}:${port}/${protocol}`;
  const stats = { inFlight: 0, sent: 0, failed: 0, dropped: 0 };
  const losses = { failed: 0, dropped: 0, lastError: undefined as Error | undefined, lastOk: false };
  let lastReport = -Infinity;
  let reportTimer: NodeJS.Timeout | undefined;
  let state: 'open' | 'closing' | 'closed' = 'open';
  let onIdle: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  const report = (): void => {
    clearTimeout(reportTimer);
    reportTimer = undefined;
    const { failed, dropped, lastError, lastOk } = losses;
    if (failed + dropped === 0) return;
    Object.assign(losses, { failed: 0, dropped: 0, lastError: undefined });
    lastReport = Date.now();
    const why = [
      failed ? `${failed} failed (${lastError?.message ?? 'unknown error'})` : '',
      dropped ? `${dropped} dropped (already ${maxInFlight} in flight)` : '',
    ].filter(Boolean);
    const text = `GELF ${target}: lost ${failed + dropped} log message(s): ${why.join(', ')}${lastOk ? '; sending works again' : ''}`;
    try {
      onError(new Error(text));
    } catch {
      // The report is best effort, like everything else here.
    }
  };
  // Reports go out at most once per period, from a timer: never from inside a log call.
  const lose = (kind: 'failed' | 'dropped', error?: Error): void => {
    stats[kind]++;
    losses[kind]++;
    if (error) {
      losses.lastError = error;
      losses.lastOk = false;
    }
    reportTimer ??= setTimeout(report, Math.max(0, lastReport + reportEveryMs - Date.now())).unref();
  };
  const settle = (error?: Error | null): void => {
    stats.inFlight--;
    if (error) lose('failed', error);
    else {
      stats.sent++;
      losses.lastOk = true;
    }
    if (stats.inFlight === 0) onIdle?.();
  };

  const send = (payload: string): void => {
    stats.inFlight++;
    let settled = false;
    const done = (error?: Error | null): void => {
      if (settled) return;
      settled = true;
      settle(error);
    };
    resolve((error, address) => {
      if (state === 'closed') return done(new Error('sink closed'));
      if (error || !address) return done(error ?? new Error(`cannot resolve ${server}`));
      try {
        adapter.send(address, payload, done);
      } catch (e) {
        done(e as Error);
      }
    });
  };

  const sink: Sink = (record) => {
    if (state === 'closed') return;
    if (stats.inFlight >= maxInFlight) return lose('dropped');
    try {
      send(gelf.getStringFromObject(toGelf(record, host, facility, fields)));
    } catch (e) {
      lose('failed', e as Error);
    }
  };

  const close = (waitMs = timeoutMs + 1_000): Promise<void> =>
    (closing ??= new Promise<void>((resolveClose) => {
      state = 'closing';
      let deadline: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(deadline);
        onIdle = undefined;
        state = 'closed';
        adapter.destroyAll();
        report();
        resolveClose();
      };
      if (stats.inFlight === 0) return finish();
      onIdle = finish;
      deadline = setTimeout(finish, waitMs);
    }));

  return Object.assign(sink, { close, stats: (): GelfSinkStats => ({ ...stats, openSockets: adapter.openSockets() }) });
}
