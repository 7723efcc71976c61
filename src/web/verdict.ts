import type { FlagViewState } from './FlagView.ts';
import { plainLine } from './plainLine.ts';
import { wholeSeconds as seconds, type WatcherState } from '../flag-store/watcherState.ts';
import type { WatcherStateSnapshot } from './WatcherStateView.ts';

/** Cloudflare reads 10 KB at most and shows none of it; the body is for a human with curl. */
export const MAX_BODY_BYTES = 4096;
/** One chatty reason must leave room for the other dead probes. */
export const MAX_REASON_CHARS = 300;

/** What the responder knows of the watcher's heartbeat, to tell a fresh result from a stale one. */
export interface Freshness {
  watcher: WatcherStateSnapshot;
  /** Epoch ms, the same clock the watcher writes with. */
  now: number;
  /** `WatchMan.stale_grace` in ms. */
  graceMs: number;
  /** The flag folder as shown in reasons (`probe-status/`). */
  folderName: string;
}

export interface Verdict {
  status: 200 | 503;
  /** text/plain, ends with a newline, always under MAX_BODY_BYTES bytes. */
  body: string;
  /** Enabled probes that count as failing (flagged, pending or without a fresh result), sorted: for logs. */
  dead: string[];
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

/**
 * Why a probe without a flag still counts as failing, or undefined when it passes: the watcher
 * must be heard from recently and must run the probe, with a fresh result that is not down.
 * Without this, a stopped or frozen watcher would leave the last answer standing forever, which
 * is how the original reported OK for a dead DC.
 */
function unflaggedFailure(probe: string, { watcher, now, graceMs, folderName }: Freshness): string | undefined {
  const state = watcher.state;
  if (!state) return silentWatcher(folderName);
  const silence = now - state.written_at;
  if (silence > heartbeatLimit(state, graceMs)) return silentWatcher(folderName, silence);
  if (!state.running.has(probe)) {
    const refused = state.config_problems?.[0];
    return refused === undefined ? 'pending' : `not checked: the watcher refused the config and runs its last good one: ${refused}`;
  }
  // Down without a visible flag: the flag is being rewritten, or its folder is being replaced.
  return state.failing[probe]?.reason;
}

/**
 * Until when (epoch ms) `verdict` surely gives the same answer for the same inputs, time being
 * the only thing that moves: just before the watcher's last word would turn stale. -Infinity when
 * the answer already shows an age (it changes every second), Infinity when time cannot change it.
 * Lets the responder reuse an answer instead of working it out again for every request.
 */
export function verdictExpiry(enabledProbes: Iterable<string>, state: FlagViewState, { watcher, now, graceMs }: Freshness): number {
  const published = watcher.state;
  if (!state.folderOk || !published) return Infinity;
  let anyUnflagged = false;
  for (const probe of enabledProbes) {
    if (!state.flags.has(probe)) {
      anyUnflagged = true;
      break;
    }
  }
  if (!anyUnflagged) return Infinity;
  // The same comparison as unflaggedFailure; 1 ms early, so rounding never keeps a stale answer.
  const until = published.written_at + heartbeatLimit(published, graceMs);
  return now > until ? -Infinity : until - 1;
}

/**
 * The answer to the Cloudflare monitor, in the seed's words. An enabled probe fails when it has a
 * flag, or when the watcher has no fresh result for it (pending, stopped, frozen). Flags of
 * disabled or unknown probes are ignored: an operator disabling a probe must be able to turn the
 * DC green without hunting down its flag file. A folder that cannot be read is a 503: not knowing
 * is not "OK".
 */
export function verdict(enabledProbes: Iterable<string>, state: FlagViewState, serverName: string, freshness: Freshness): Verdict {
  const header = `Server: ${plainLine(serverName, 200)} reports:`;
  if (!state.folderOk) {
    return { status: 503, body: `${header}\ncannot read the flag folder: ${plainLine(state.folderProblem ?? 'unknown problem', MAX_REASON_CHARS)}\n`, dead: [] };
  }
  const reasons = new Map<string, string>();
  for (const probe of [...new Set(enabledProbes)].sort()) {
    const reason = state.flags.get(probe) ?? unflaggedFailure(probe, freshness);
    if (reason !== undefined) reasons.set(probe, reason);
  }
  const dead = [...reasons.keys()];
  if (dead.length === 0) return { status: 200, body: `${header}\nOK\n`, dead };

  const lines = [header];
  let bytes = Buffer.byteLength(header) + 1;
  // Room for the "… and N more" line is kept free from the start, so it always fits.
  const reserve = Buffer.byteLength(`… and ${dead.length} more\n`);
  for (const [index, probe] of dead.entries()) {
    const line = `The ${plainLine(probe, 200)} is DEAD! ${plainLine(reasons.get(probe) ?? '', MAX_REASON_CHARS)}`;
    const size = Buffer.byteLength(line) + 1;
    const isLast = index === dead.length - 1;
    if (bytes + size + (isLast ? 0 : reserve) >= MAX_BODY_BYTES) {
      lines.push(`… and ${dead.length - index} more`);
      break;
    }
    lines.push(line);
    bytes += size;
  }
  return { status: 503, body: lines.join('\n') + '\n', dead };
}
