/**
 * Limits every probe obeys, whatever its module. Node fires a timer set past 2^31-1 ms (24.8 days)
 * at once, so a period or deadline beyond that would turn a schedule into a busy loop; these
 * bounds keep every configured delay far inside it, and the watcher's clock chains longer timers
 * anyway (src/watcher/Clock.ts).
 */
export const MIN_PERIOD_S = 0.1;
export const MAX_PERIOD_S = 24 * 3600;
export const MAX_TIMEOUT_S = 3600;
/** The shortest deadline a module may ask for: below a millisecond a check cannot even start. */
export const MIN_TIMEOUT_S = 0.001;

/** The one wording of a check's deadline bound, shared by the loader and every bundled module. */
export const TIMEOUT_EXPECTED = `expected a number of seconds from ${MIN_TIMEOUT_S} to ${MAX_TIMEOUT_S} (1 h)`;

export function isTimeoutSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= MIN_TIMEOUT_S && value <= MAX_TIMEOUT_S;
}

/** How every boolean in config.yaml is described: the seed writes `True` and `False`. */
export const BOOLEAN_EXPECTED = 'expected True or False';
