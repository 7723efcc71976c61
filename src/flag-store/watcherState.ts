import { isArrayOf, isNumber, isObject, isObjectOf, isString } from './jsonShape.ts';

/**
 * The watcher's heartbeat, in the flag folder next to the flags (its name starts with "." so it is
 * never taken for a flag). Flags are the operator's view; this file lets the responder fail closed
 * when the watcher is stopped, frozen or has not checked yet, and when a flag vanishes from under
 * it (folder deleted or being replaced).
 *
 * It lists the exceptions, not every result: the watcher judges each probe's freshness itself
 * (a result older than `period + timeout + stale_grace` is `overdue`) and the responder only has to
 * judge the watcher's, from `written_at`. At 10,000 probes named p0…p9999 that is an 80 KB file
 * instead of a 1.2 MB one rewritten every half second, which cost the watcher 8 ms and the
 * responder 20–60 ms of blocked event loop per write (BENCHMARKS.md, state file v1).
 *
 * Version 3 adds the last check of every probe (for `/__health` and `deadpool status`), as bare
 * numbers in `running`'s order rather than objects keyed by name: three numbers per probe, ages
 * relative to `written_at`, about 14 bytes per probe (+140 KB at 10,000 probes; BENCHMARKS.md,
 * "Issue 10"). It is decoded into a Map only when something asks for `checks`: the verdict never
 * does, so the responder's fast path pays for the parse of those numbers and nothing more. A
 * passing check's reason is left out: it usually carries a time (`status 200 in 12 ms`), so it
 * would cost about 25 bytes per probe, more than the rest of the record.
 */
export const STATE_FILE = '.deadpool-state.json';

/** The version this code writes and the only one it reads: any other is not understood, and the responder fails closed. */
export const STATE_VERSION = 3;

/** An age in whole seconds, as both sides word it in `no result for N s`. */
export const wholeSeconds = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))} s`;

/** A probe's last completed check, as the responder sees it. */
export interface ProbeCheck {
  /** Epoch ms of the end of the last check. */
  at: number;
  duration_ms: number;
  /** The last check's outcome (not the probe's state: `fall`/`rise` make them differ). */
  ok: boolean;
  /** Epoch ms the probe's up/down state last changed (its first result counts as a change); to the second. */
  since: number;
  /** Why the last check failed; absent when it passed. */
  reason?: string;
}

/** Numbers per probe in `checks`: ms since its end, its duration in ms, whole seconds since the state changed. */
export const CHECK_FIELDS = 3;
/** In place of the first number: the probe has no result yet. */
const NO_CHECK = -1;

export interface FailingProbe {
  /** pending: no result yet; down: failed `fall` times in a row; overdue: no fresh result. */
  state: 'pending' | 'down' | 'overdue';
  /** What the responder shows when it cannot see the probe's flag (or there is none: pending, overdue). */
  reason: string;
}

/** As the watcher writes it. */
export interface WatcherStateFile {
  version: typeof STATE_VERSION;
  pid: number;
  /** Epoch ms of this write. */
  written_at: number;
  /** How often the watcher rewrites the file, in ms. */
  heartbeat_ms: number;
  /**
   * The smallest `period + timeout` of the running probes, in ms: a watcher silent for longer than
   * that (plus stale_grace) may have missed any probe's deadline. Absent when no probe runs.
   */
  min_deadline_ms?: number | undefined;
  /** Every probe the watcher runs (a Set once parsed). */
  running: string[];
  /** The running probes that count as failing; every other running probe is up with a fresh result. */
  failing: Record<string, FailingProbe>;
  /**
   * The last check of each probe of `running`, in its order, CHECK_FIELDS numbers each: ms from the
   * check's end to `written_at` (-1: no result yet), its duration in ms, and whole seconds from the
   * last change of the probe's up/down state to `written_at`.
   */
  checks: number[];
  /**
   * The probes whose last check failed, with its reason; "" when that is the probe's reason in
   * `failing` already (a down probe's usual case), so an outage does not write every reason twice.
   */
  failed_checks: Record<string, string>;
  /** Cumulative histogram of schedule drift (see DriftHistogram): bucket counts and their total. */
  drift?: { counts: number[]; total: number } | undefined;
  /** The last edit of config.yaml was refused (first problems): the watcher runs its last good config. */
  config_problems?: string[] | undefined;
}

const FAILING_STATES: ReadonlySet<unknown> = new Set(['pending', 'down', 'overdue']);

const isFailingProbe = (value: unknown): value is FailingProbe => isObject(value) && FAILING_STATES.has(value.state) && isString(value.reason);

/** The file's fields, each checked, nothing else kept; undefined when anything is not as written by this version. */
function asStateFile(value: unknown): WatcherStateFile | undefined {
  if (!isObject(value)) return undefined;
  const { version, pid, written_at, heartbeat_ms, min_deadline_ms, running, failing, checks, failed_checks, drift, config_problems } = value;
  if (version !== STATE_VERSION || !isNumber(pid) || !isNumber(written_at) || !isNumber(heartbeat_ms) || heartbeat_ms <= 0) return undefined;
  if (min_deadline_ms !== undefined && !(isNumber(min_deadline_ms) && min_deadline_ms > 0)) return undefined;
  if (!isArrayOf(running, 'string') || !isArrayOf(checks, 'number') || !isObjectOf(failing, isFailingProbe) || !isObjectOf(failed_checks, isString)) return undefined;
  if (drift !== undefined && !(isObject(drift) && isArrayOf(drift.counts, 'number') && isNumber(drift.total))) return undefined;
  if (config_problems !== undefined && !isArrayOf(config_problems, 'string')) return undefined;
  return {
    version,
    pid,
    written_at,
    heartbeat_ms,
    running,
    failing,
    checks,
    failed_checks,
    ...(min_deadline_ms === undefined ? {} : { min_deadline_ms }),
    ...(drift === undefined ? {} : { drift: { counts: drift.counts as number[], total: drift.total as number } }),
    ...(config_problems === undefined ? {} : { config_problems }),
  };
}

/** As the responder reads it. */
export interface WatcherState extends Omit<WatcherStateFile, 'running' | 'checks' | 'failed_checks'> {
  running: Set<string>;
  /** The last check of every running probe that has one (decoded on first use, then kept). */
  readonly checks: Map<string, ProbeCheck>;
  /**
   * One probe's last check, decoded from the file's numbers on each call and kept nowhere: what a
   * page of 1,000 rows reads one row at a time. Decoding `checks` built an object per probe per
   * heartbeat, kept until the next one, and a page viewed every few seconds promoted them all
   * (the responder's RSS +9 MB in a minute of three viewers; BENCHMARKS.md, "Session 6").
   */
  checkOf(probe: string): ProbeCheck | undefined;
}

/** The part of a file that holds the checks, written by `encodeChecks`. */
export type EncodedChecks = Pick<WatcherStateFile, 'checks' | 'failed_checks'>;

/**
 * What the watcher knows of a probe's last check (a ProbeLoop), read field by field: an object
 * per probe per write was most of the cost of writing the checks of 10,000 probes.
 */
export interface CheckSource {
  readonly name: string;
  /** Epoch ms of the end of the last check; undefined before the first. */
  readonly checkedAt: number | undefined;
  readonly lastDurationMs: number;
  readonly lastOk: boolean;
  readonly lastReason: string;
  /** Epoch ms of the last change of the up/down state. */
  readonly stateSince: number;
}

/**
 * The `checks` and `failed_checks` of a file written at `writtenAt`, for `probes` in the order of
 * its `running`; `failing` is that file's, whose reasons are not repeated.
 */
export function encodeChecks(writtenAt: number, probes: Iterable<CheckSource>, failing: WatcherStateFile['failing']): EncodedChecks {
  const checks: number[] = [];
  const failed: Record<string, string> = {};
  for (const probe of probes) {
    const at = probe.checkedAt;
    if (at === undefined) {
      checks.push(NO_CHECK, 0, 0);
      continue;
    }
    checks.push(Math.max(0, Math.round(writtenAt - at)), Math.round(probe.lastDurationMs), Math.max(0, Math.round((writtenAt - probe.stateSince) / 1000)));
    if (!probe.lastOk) failed[probe.name] = probe.lastReason === failing[probe.name]?.reason ? '' : probe.lastReason;
  }
  return { checks, failed_checks: failed };
}

type CheckPart = Pick<WatcherStateFile, 'checks' | 'failed_checks' | 'written_at' | 'failing'>;

/** Each name's place in `running` (and so in `checks`), built once per set of names: the set is kept across heartbeats. */
const places = new WeakMap<Set<string>, Map<string, number>>();

function placeOf(running: Set<string>, name: string): number | undefined {
  let byName = places.get(running);
  if (byName === undefined) {
    byName = new Map();
    let index = 0;
    for (const probe of running) byName.set(probe, index++);
    places.set(running, byName);
  }
  return byName.get(name);
}

/** The check of the probe at `index` of `running`, or undefined when it has none yet. */
function decodeCheck(file: CheckPart, name: string, index: number): ProbeCheck | undefined {
  const { checks, failed_checks: failed, written_at: writtenAt } = file;
  const offset = index * CHECK_FIELDS;
  const ago = checks[offset]!;
  if (ago === NO_CHECK) return undefined;
  const at = writtenAt - ago;
  const since = Math.min(at, writtenAt - checks[offset + 2]! * 1000);
  const reason = Object.hasOwn(failed, name) ? failed[name] || file.failing[name]?.reason || 'failed' : undefined;
  // No spread: a page decodes one per row, and a spread object costs several times a plain one.
  const check: ProbeCheck = { at, duration_ms: checks[offset + 1]!, ok: reason === undefined, since };
  if (reason !== undefined) check.reason = reason;
  return check;
}

function decodeChecks(file: CheckPart, running: Set<string>): Map<string, ProbeCheck> {
  const result = new Map<string, ProbeCheck>();
  let index = 0;
  for (const name of running) {
    const check = decodeCheck(file, name, index++);
    if (check !== undefined) result.set(name, check);
  }
  return result;
}

function fromFile(file: WatcherStateFile, running: Set<string>): WatcherState {
  const { running: _names, checks, failed_checks, ...rest } = file;
  // Keeps the numbers, not the file's array of names: a copy of every name per heartbeat, kept
  // until the next one, was promoted to the responder's old generation.
  const part: CheckPart = { checks, failed_checks, written_at: rest.written_at, failing: rest.failing };
  let decoded: Map<string, ProbeCheck> | undefined;
  const checkOf = (probe: string): ProbeCheck | undefined => {
    if (decoded !== undefined) return decoded.get(probe);
    const index = placeOf(running, probe);
    return index === undefined ? undefined : decodeCheck(part, probe, index);
  };
  return Object.defineProperty({ ...rest, running, checkOf }, 'checks', {
    enumerable: true,
    get: () => (decoded ??= decodeChecks(part, running)),
  }) as WatcherState;
}

/** Whether `names` are the members of `set` in its order. */
function sameNames(set: Set<string>, names: readonly string[]): boolean {
  if (set.size !== names.length) return false;
  let index = 0;
  for (const name of set) if (name !== names[index++]) return false;
  return true;
}

/**
 * Parses the file's text; undefined when it is not a state file this version understands.
 * `previous` is the last state parsed from the same file: its set of names is kept when the
 * watcher still runs the same probes, as it does between reloads.
 */
export function parseWatcherState(text: string, previous?: WatcherState): WatcherState | undefined {
  try {
    const file = asStateFile(JSON.parse(text));
    if (file === undefined) return undefined;
    const running = previous && sameNames(previous.running, file.running) ? previous.running : new Set(file.running);
    // Checks that do not line up with the names would be put on the wrong probes.
    if (file.checks.length !== file.running.length * CHECK_FIELDS || running.size !== file.running.length) return undefined;
    return fromFile(file, running);
  } catch {
    return undefined;
  }
}
