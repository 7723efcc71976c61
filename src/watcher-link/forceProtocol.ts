import { isArrayOf, isNumber, isObject, isString } from '../flag-store/jsonShape.ts';
import type { ProbeCheck } from '../flag-store/watcherState.ts';
import { MAX_TIMEOUT_S } from '../probe-api/bounds.ts';

/**
 * The watcher's socket in the flag folder, for `?cache=false`: the responder asks it to check
 * some probes now. A socket rather than a request file: the responder may not be allowed to write
 * the folder, and a socket answers as each check ends instead of at the next poll.
 *
 * One request per connection, JSON lines both ways:
 * - the responder sends `{"force": ["es-1", "es-2"]}`;
 * - the watcher answers at once `{"wait_ms": 3000, "unknown": ["x"]}`: how long it will wait for
 *   them (their longest timeout + FORCE_GRACE_MS) and the names it does not run;
 * - then one `{"probe": "es-1", …ForcedCheck}` per probe as its check ends, and it closes the
 *   connection once every check ended or `wait_ms` passed.
 */
export const FORCE_SOCKET = '.deadpool-watcher.sock';

/** Added to the longest timeout of the probes asked for: their results still have to be recorded and sent. */
export const FORCE_GRACE_MS = 1000;

/**
 * The most a client need wait for any forced check. The watcher announces the real wait (the
 * longest timeout of the probes asked for + FORCE_GRACE_MS) and the client keeps to it; this is
 * the budget of a client that knows no timeouts (the responder: it loads no probe module).
 */
export const MAX_FORCE_WAIT_MS = MAX_TIMEOUT_S * 1000 + FORCE_GRACE_MS;

/** A request naming every probe of a very large config still fits; a client sending more is cut off. */
export const MAX_REQUEST_CHARS = 1_000_000;

export type ForcedState = 'pending' | 'up' | 'down';

/** A check run on request, with the probe's state after it (`fall`/`rise` applied, flag already written or removed). */
export interface ForcedCheck extends ProbeCheck {
  /** The check's own reason, passing or failing. */
  reason: string;
  state: ForcedState;
  /** Why the probe counts as down (a recovering probe: the failure that keeps it down); only when down. */
  down_reason?: string;
}

/** The watcher's first line: how long it will wait for the checks, and the names it does not run. */
export interface ForceAnnouncement {
  wait_ms: number;
  unknown: string[];
}

/** A check's line: the probe and its ForcedCheck. */
export interface ForceResultLine {
  probe: string;
  at: number;
  duration_ms: number;
  ok: boolean;
  since: number;
  reason: string;
  state: ForcedState;
  down_reason?: string | undefined;
}

const FORCED_STATES: ReadonlySet<unknown> = new Set<ForcedState>(['pending', 'up', 'down']);

/** Checked by hand, as the state file is (jsonShape.ts): the responder loads no zod. */
function asAnnouncement(value: unknown): ForceAnnouncement | undefined {
  if (!isObject(value) || !isNumber(value.wait_ms) || value.wait_ms < 0 || !isArrayOf(value.unknown, 'string')) return undefined;
  return { wait_ms: value.wait_ms, unknown: value.unknown };
}

function asResult(value: unknown): ForceResultLine | undefined {
  if (!isObject(value)) return undefined;
  const { probe, at, duration_ms, ok, since, reason, state, down_reason } = value;
  if (!isString(probe) || !isNumber(at) || !isNumber(duration_ms) || typeof ok !== 'boolean' || !isNumber(since) || !isString(reason)) return undefined;
  if (!FORCED_STATES.has(state) || (down_reason !== undefined && !isString(down_reason))) return undefined;
  return { probe, at, duration_ms, ok, since, reason, state: state as ForcedState, ...(down_reason === undefined ? {} : { down_reason }) };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The names a request asks for; undefined when the line is not a request. */
export function parseForceRequest(line: string): string[] | undefined {
  const value = parseJson(line);
  return isObject(value) && isArrayOf(value.force, 'string') ? value.force : undefined;
}

/** A line of the watcher's answer; undefined when it is neither an announcement nor a result. */
export function parseForceReply(line: string): ForceAnnouncement | ForceResultLine | undefined {
  const value = parseJson(line);
  return asAnnouncement(value) ?? asResult(value);
}
