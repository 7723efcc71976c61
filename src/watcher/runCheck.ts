import type { ProbeSpec } from '../config/ProbeSpec.ts';
import type { Logger } from '../log/Logger.ts';
import type { CheckResult } from '../probe-api/types.ts';
import type { Clock } from '../clock/Clock.ts';
import { timeoutReason } from '../probe-kit/deadline.ts';

export interface CheckRun {
  result: CheckResult;
  durationMs: number;
  /**
   * Settles when the module's promise does — which a misbehaving module may never do; undefined
   * when it already had (the module's own answer came first, as it does for almost every check).
   */
  settled: Promise<void> | undefined;
}

export function errorReason(error: unknown): string {
  if (error instanceof Error) return `check threw: ${error.message.split('\n', 1)[0] || error.name}`;
  return `check threw: ${String(error)}`;
}

/**
 * Made once: an Error captures a stack trace when it is built, which at 1,000 checks a second is a
 * measurable share of the watcher's CPU for a reason no one reads.
 */
const CHECK_FINISHED = new Error('check finished');

/** A module's answer, or a failure that says what was wrong with it. */
function normalise(value: unknown): CheckResult {
  const v = value as Partial<CheckResult> | null | undefined;
  if (typeof v !== 'object' || v === null || typeof v.ok !== 'boolean') {
    return { ok: false, reason: 'module returned an invalid result (expected { ok: boolean, reason: string })' };
  }
  const reason = typeof v.reason === 'string' && v.reason.trim() !== '' ? v.reason.trim() : v.ok ? 'ok' : 'failed (the module gave no reason)';
  return { ok: v.ok, reason };
}

/** `{ once: true }`, made once: an options object per listener per check is garbage at 1,000 checks a second. */
const ONCE = { once: true } as const;

/**
 * Runs one check under a hard deadline: at `timeoutMs` the signal fires and the check counts as
 * failed, whether or not the module honours the signal. Throwing, rejecting and garbage results
 * are failures too; nothing a module does escapes from here. The first of the module's answer,
 * the deadline and the watcher stopping settles one promise (a race of three promises cost more
 * objects per check than the rest of this function).
 */
export async function runCheck(spec: ProbeSpec, log: Logger, clock: Clock, stop: AbortSignal): Promise<CheckRun> {
  const controller = new AbortController();
  let finish: (result: CheckResult) => void = () => undefined;
  const ended = new Promise<CheckResult>((resolve) => (finish = resolve));
  const onStop = (): void => {
    controller.abort(new Error('watcher stopping'));
    finish({ ok: false, reason: 'aborted: watcher stopping' });
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, ONCE);
  const started = clock.now();
  const timer = clock.setTimeout(() => {
    controller.abort(new Error('deadline'));
    finish({ ok: false, reason: timeoutReason(spec.timeoutMs) });
  }, spec.timeoutMs);
  let moduleSettled = false;
  const settled = Promise.resolve()
    .then(() => spec.module.check({ probe: spec.name, options: spec.options, signal: controller.signal, timeoutMs: spec.timeoutMs, log }))
    .then(normalise, (error: unknown) => ({ ok: false, reason: errorReason(error) }))
    .then((result) => {
      moduleSettled = true;
      finish(result);
    });
  const result = await ended;
  clock.clearTimeout(timer);
  stop.removeEventListener('abort', onStop);
  // Tell a module that finished early to drop whatever it still holds (sockets, child processes).
  controller.abort(CHECK_FINISHED);
  return { result, durationMs: clock.now() - started, settled: moduleSettled ? undefined : settled };
}
