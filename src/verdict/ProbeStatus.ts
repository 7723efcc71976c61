/**
 * What is known of one probe, whoever works it out (the responder from the flag folder, the
 * watcher from its own loops). `up` passes; every other state fails.
 * - down: failed `fall` times in a row (the only state an ack can excuse);
 * - pending: no result yet; overdue: no fresh result; not-checked: the watcher does not run it;
 * - unknown: the watcher is silent or gone, so nothing about the probe can be trusted.
 */
export type ProbeState = 'up' | 'down' | 'pending' | 'overdue' | 'not-checked' | 'unknown';

export interface ProbeStatus {
  state: ProbeState;
  /** Why it fails; undefined when up. */
  reason: string | undefined;
  /** Epoch ms of the time the watcher last vouched for this state (its last write), when known. */
  asOf?: number;
  /** Epoch ms since when the probe is in this state, when the watcher publishes it. */
  since?: number;
  /** The last check, when the watcher publishes it. */
  lastCheck?: { at: number; durationMs: number; ok: boolean };
}
