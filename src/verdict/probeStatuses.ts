import { wholeSeconds as seconds, type WatcherState } from '../flag-store/watcherState.ts';
import { MAX_REASON_CHARS } from './boundedBody.ts';
import { plainLine } from './plainLine.ts';
import type { ProbeStatus } from './ProbeStatus.ts';

/** The responder's view of the flag folder (FlagView's state): only what the verdict reads. */
export interface FlagsSeen {
  /** False when the folder cannot be listed: then nothing is known about the probes. */
  readonly folderOk: boolean;
  readonly folderProblem: string | undefined;
  /** probe → first line of its flag's reason. */
  readonly flags: ReadonlyMap<string, string>;
}

/** What the responder knows of the watcher's heartbeat, to tell a fresh result from a stale one. */
export interface Freshness {
  watcher: { state: WatcherState | undefined };
  /** Epoch ms, the same clock the watcher writes with. */
  now: number;
  /** `WatchMan.stale_grace` in ms. */
  graceMs: number;
  /** The flag folder as shown in reasons (`probe-status/`). */
  folderName: string;
}

export interface ProbeStatuses {
  probes: ReadonlyMap<string, ProbeStatus>;
  /** Set when nothing can be known (the flag folder cannot be read): the one line of every answer. */
  blocker: string | undefined;
  /**
   * Until when (epoch ms) these statuses stay true for the same inputs, time being the only thing
   * that moves: just before the watcher's last word turns stale. -Infinity when a reason shows an
   * age (it changes every second), Infinity when time cannot change them.
   */
  validUntil: number;
}

/**
 * Silence from the watcher has three causes the responder cannot tell apart (it is stopped, its
 * event loop is stuck, or it runs but cannot write the folder): the reason names them all rather
 * than guess one.
 */
const silentWatcher = (folderName: string, silenceMs?: number): string =>
  silenceMs === undefined
    ? `no result from the watcher: not started, or unable to write ${folderName}`
    : `no result from the watcher for ${seconds(silenceMs)}: stopped, frozen, or unable to write ${folderName}`;

/** The last ms at which a silence of `silenceMs` still reads the same in whole seconds (`wholeSeconds` rounds). */
function silentTextHolds(writtenAt: number, silenceMs: number): number {
  return writtenAt + (Math.round(silenceMs / 1000) + 0.5) * 1000 - 1;
}

/**
 * How long the responder trusts the watcher's last word, in ms. The watcher rewrites its state
 * every `heartbeat_ms` and judges each probe's freshness itself, so while it writes, its word
 * holds; once it falls silent (stopped, frozen, blocked) any probe may have missed its deadline.
 * Silence is allowed up to the shortest `period + timeout` of its probes, but never less than one
 * heartbeat nor more than two, plus `stale_grace`.
 */
export function heartbeatLimit(state: WatcherState, graceMs: number): number {
  const beat = state.heartbeat_ms;
  return Math.min(2 * beat, Math.max(beat, state.min_deadline_ms ?? Infinity)) + graceMs;
}

const UP: ProbeStatus = { state: 'up', reason: undefined };

export interface StatusDetail {
  /**
   * Fill `since` and `lastCheck` from the state file's `checks` (for /__health and `deadpool
   * status`). Off for the Cloudflare answers: they do not show them, and reading `checks` builds a
   * Map of every probe (4-5 ms at 10,000 probes) once per heartbeat.
   */
  checks?: boolean;
}

/**
 * Each enabled probe's status as the responder sees it. A probe passes only when it has no flag
 * and the watcher, heard from recently, runs it with a fresh result that is not down. Without
 * the freshness rule a stopped or frozen watcher would leave the last answer standing forever,
 * which is how the original reported OK for a dead DC. Flags of probes not in `enabled` are
 * ignored: an operator disabling a probe must be able to turn the DC green without hunting down
 * its flag file.
 */
export function probeStatuses(enabled: Iterable<string>, seen: FlagsSeen, { watcher, now, graceMs, folderName }: Freshness, detail: StatusDetail = {}): ProbeStatuses {
  if (!seen.folderOk) {
    return { probes: new Map(), blocker: `cannot read the flag folder: ${plainLine(seen.folderProblem ?? 'unknown problem', MAX_REASON_CHARS)}`, validUntil: Infinity };
  }
  const state = watcher.state;
  const probes = new Map<string, ProbeStatus>();
  const silence = state ? now - state.written_at : undefined;
  const limit = state ? heartbeatLimit(state, graceMs) : Infinity;
  const stale = !state ? silentWatcher(folderName) : silence! > limit ? silentWatcher(folderName, silence) : undefined;
  const asOf = state?.written_at;
  const refused = state?.config_problems?.[0];
  let anyUnflagged = false;
  // One object for every probe in the same state at this write: 1,000 probes made 1,000 objects
  // twice a second, which lived until the next write, so the responder's old generation grew.
  const upAsOf: ProbeStatus = asOf === undefined ? UP : { state: 'up', reason: undefined, asOf };
  const pending: ProbeStatus | undefined = state && { state: 'pending', reason: 'pending', asOf: state.written_at };
  const unknown: ProbeStatus = { state: 'unknown', reason: stale };
  for (const probe of enabled) {
    const flag = seen.flags.get(probe);
    if (flag !== undefined) {
      probes.set(probe, { state: 'down', reason: flag, ...(asOf === undefined ? {} : { asOf }) });
      continue;
    }
    anyUnflagged = true;
    if (stale !== undefined || !state) {
      probes.set(probe, unknown);
      continue;
    }
    if (!state.running.has(probe)) {
      probes.set(probe, refused === undefined ? pending! : { state: 'not-checked', reason: `not checked: the watcher refused the config and runs its last good one: ${refused}`, asOf: state.written_at });
      continue;
    }
    // Down without a visible flag: the flag is being rewritten, or its folder is being replaced.
    const failing = state.failing[probe];
    probes.set(probe, failing ? { state: failing.state, reason: failing.reason, asOf: state.written_at } : upAsOf);
  }
  if (detail.checks && state) addChecks(probes, state);
  // 1 ms early, so rounding never keeps a stale answer. A silent watcher's reason counts the
  // seconds of silence: it holds until that count changes, not for one request. Worked out again
  // on every request, the fail-closed answer cost 195 µs instead of 38 at 1,000 probes (O(probes)
  // each time): a flood while the watcher is down is when the responder must keep up.
  const validUntil = !state || !anyUnflagged ? Infinity : stale !== undefined ? silentTextHolds(state.written_at, silence!) : state.written_at + limit - 1;
  return { probes, blocker: undefined, validUntil };
}

/**
 * The last check of each probe the watcher has one for, and `since` where the status is the
 * watcher's own up or down: a flag the watcher did not write (made by hand) or a pending, overdue
 * or silent watcher's probe is in a state whose start the file does not tell.
 */
function addChecks(probes: Map<string, ProbeStatus>, state: WatcherState): void {
  for (const [probe, status] of probes) probes.set(probe, withCheck(status, state, probe));
}

/**
 * One probe's status with its last check (as `addChecks` gives every probe): what /__health's page
 * and JSON ask for each row they render, so the verdict they list is the Cloudflare answers' own.
 */
export function withCheck(status: ProbeStatus, state: WatcherState | undefined, probe: string): ProbeStatus {
  const check = state?.checkOf(probe);
  if (check === undefined) return status;
  return { ...status, ...(sinceIsWatchers(status, state!, probe) ? { since: check.since } : {}), lastCheck: { at: check.at, durationMs: check.duration_ms, ok: check.ok } };
}

/** Whether the probe's status is the watcher's own up or down, so that its check's `since` is the status's. */
export function sinceIsWatchers(status: ProbeStatus, state: WatcherState, probe: string): boolean {
  const failing = state.failing[probe];
  return status.state === 'up' ? failing === undefined : status.state === 'down' && failing?.state === 'down';
}
