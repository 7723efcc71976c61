/**
 * What every notifier gets, one JSON object per change (a line on a command's stdin, the body of
 * a webhook's POST). `probe`: a probe's state changed (after rise/fall); `verdict`: the answer of
 * the base URL (`pool` null) or of a pool turned.
 */
export interface NotifierEvent {
  event: 'probe' | 'verdict';
  /** WEB.name: which DeadPool (data center) says it. */
  dc: string;
  pool: string | null;
  probe: string | null;
  module: string | null;
  /** Probes: pending, up or down; verdicts: up or down. */
  from: string;
  to: string;
  reason: string;
  /** ISO time the new state began. */
  since: string;
  /** ISO time the event was made. */
  time: string;
}
