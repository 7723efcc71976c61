import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseWatcherState, STATE_FILE, wholeSeconds } from '../flag-store/watcherState.ts';
import { heartbeatLimit } from '../verdict/probeStatuses.ts';
import { namedList } from './statusText.ts';

export interface WatcherProgress {
  /** Why the heartbeat is not trusted (missing, unreadable, too old); undefined when it is fresh. */
  stale: string | undefined;
  /** Every running probe has a first result or is past its first deadline. */
  settled: boolean;
  /** STATUS= for a `deadpool watcher` unit: the probes failing, as the watcher sees them. */
  text: string;
}

/**
 * The watcher's heartbeat (its state file) as systemd's side sees it: fresh by the responder's
 * own rule (`heartbeatLimit`), so the watchdog and the answers agree on when a watcher is silent.
 */
export async function watcherProgress(folder: string, now: number, graceMs: number): Promise<WatcherProgress> {
  let text: string;
  try {
    text = await readFile(path.join(folder, STATE_FILE), 'utf8');
  } catch (error) {
    return { stale: `no heartbeat from the watcher (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, settled: false, text: 'no heartbeat' };
  }
  const state = parseWatcherState(text);
  if (!state) return { stale: 'the watcher\'s heartbeat file is not one this version reads', settled: false, text: 'no heartbeat' };
  const silence = now - state.written_at;
  const stale = silence > heartbeatLimit(state, graceMs) ? `no heartbeat from the watcher for ${wholeSeconds(silence)}` : undefined;
  const failing = Object.entries(state.failing);
  const settledNow = stale === undefined && failing.every(([, probe]) => probe.state !== 'pending');
  const down = failing.map(([name]) => name).sort();
  return {
    stale,
    settled: settledNow,
    text: stale ?? (down.length === 0 ? `${state.running.size} probe(s), all up` : `${state.running.size} probe(s), failing: ${namedList(down)}`),
  };
}
