import { z } from 'zod';

/**
 * The watcher's heartbeat, in the flag folder next to the flags (its name starts with "." so it is
 * never taken for a flag). Flags are the operator's view; this file lets the responder fail closed
 * when the watcher is stopped, frozen or has not checked yet, and when a flag vanishes from under
 * it (folder deleted or being replaced).
 *
 * It lists the exceptions, not every result: the watcher judges each probe's freshness itself
 * (a result older than `period + timeout + stale_grace` is `overdue`) and the responder only has to
 * judge the watcher's, from `written_at`. At 10,000 probes named p0…p9999 that is a 90 KB file instead of a
 * 1.2 MB one rewritten every half second, which cost the watcher 8 ms and the responder 20–60 ms
 * of blocked event loop per write (BENCHMARKS.md).
 */
export const STATE_FILE = '.deadpool-state.json';

/** An age in whole seconds, as both sides word it in `no result for N s`. */
export const wholeSeconds = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))} s`;

const failingSchema = z.object({
  /** pending: no result yet; down: failed `fall` times in a row; overdue: no fresh result. */
  state: z.enum(['pending', 'down', 'overdue']),
  /** What the responder shows when it cannot see the probe's flag (or there is none: pending, overdue). */
  reason: z.string(),
});

export const watcherStateSchema = z.object({
  version: z.literal(2),
  pid: z.number(),
  /** Epoch ms of this write. */
  written_at: z.number(),
  /** How often the watcher rewrites the file, in ms. */
  heartbeat_ms: z.number().positive(),
  /**
   * The smallest `period + timeout` of the running probes, in ms: a watcher silent for longer than
   * that (plus stale_grace) may have missed any probe's deadline. Absent when no probe runs.
   */
  min_deadline_ms: z.number().positive().optional(),
  /** Every probe the watcher runs (a Set once parsed). */
  running: z.array(z.string()).transform((names) => new Set(names)),
  /** The running probes that count as failing; every other running probe is up with a fresh result. */
  failing: z.record(z.string(), failingSchema),
  /** Cumulative histogram of schedule drift (see DriftHistogram): bucket counts and their total. */
  drift: z.object({ counts: z.array(z.number()), total: z.number() }).optional(),
  /** The last edit of config.yaml was refused (first problems): the watcher runs its last good config. */
  config_problems: z.array(z.string()).optional(),
});

/** As the responder reads it. */
export type WatcherState = z.output<typeof watcherStateSchema>;
/** As the watcher writes it. */
export type WatcherStateFile = z.input<typeof watcherStateSchema>;
export type FailingProbe = z.infer<typeof failingSchema>;

/** Parses the file's text; undefined when it is not a state file this version understands. */
export function parseWatcherState(text: string): WatcherState | undefined {
  try {
    const parsed = watcherStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
