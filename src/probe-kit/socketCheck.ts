import type { CheckResult } from '../probe-api/types.ts';
import type { Logger } from '../log/Logger.ts';
import { timeoutReason } from './deadline.ts';
import { networkReason } from './networkReason.ts';

/**
 * A socket error as a reason: TLS errors that carry a short `reason` (`ERR_SSL_WRONG_VERSION_NUMBER`,
 * a server that does not speak TLS) give it instead of OpenSSL's multi-line message with its
 * source file and line; anything else as networkReason words it, on one line.
 */
export function socketFailureReason(error: unknown, target: string): string {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  if (typeof code === 'string' && code.startsWith('ERR_SSL_') && typeof reason === 'string') return `${code} ${target}: ${reason}`;
  return networkReason(error, target).replace(/\s+/g, ' ').trim();
}

export interface SocketCheckControl {
  /** Ends the check with this result; later calls are ignored. */
  finish(ok: boolean, reason: string): void;
  /** The socket to destroy when the check ends, whichever way. */
  attach(socket: { destroy(): void }): void;
}

/**
 * The plumbing of a check over one socket: it resolves once, at the first of `finish()` and the
 * deadline (the watcher's signal, or the module's own timer so the module is safe alone), then
 * destroys the socket, clears its timer and listener and logs the outcome at debug. `start` opens
 * the socket and wires its events; if it throws, the error is the reason. `atDeadline` runs just
 * before a deadline ends an unfinished check (to log what had arrived, say).
 */
export function socketCheck(
  ctx: { signal: AbortSignal; timeoutMs: number; log: Logger },
  target: string,
  start: (control: SocketCheckControl) => void,
  atDeadline?: () => void,
): Promise<CheckResult> {
  const { signal, timeoutMs, log } = ctx;
  const started = performance.now();
  return new Promise((resolve) => {
    let socket: { destroy(): void } | undefined;
    let settled = false;
    const control: SocketCheckControl = {
      finish(ok, reason) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onDeadline);
        socket?.destroy();
        log.debug(`${target}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
        resolve({ ok, reason });
      },
      attach(s) {
        socket = s;
      },
    };
    const onDeadline = (): void => {
      if (!settled) atDeadline?.();
      control.finish(false, timeoutReason(timeoutMs));
    };
    const timer = setTimeout(onDeadline, timeoutMs);
    signal.addEventListener('abort', onDeadline, { once: true });
    if (signal.aborted) return onDeadline();
    try {
      start(control);
    } catch (error) {
      control.finish(false, socketFailureReason(error, target));
    }
  });
}
