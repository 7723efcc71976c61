import { z } from 'zod';

/**
 * The watcher's heartbeat, in the flag folder next to the flags (its name starts with "." so it is
 * never taken for a flag). Flags are the operator's view; this file says which results are fresh
 * and which probes are down, so the responder fails closed when the watcher is stopped, frozen or
 * has not checked yet, and when a flag vanishes from under it (folder deleted or being replaced).
 */
export const STATE_FILE = '.deadpool-state.json';

const probeStateSchema = z.object({
  state: z.enum(['pending', 'up', 'down']),
  /** The last check's reason: what the responder shows for a down probe whose flag it cannot see. */
  reason: z.string(),
  /** Epoch ms when the last check completed; null before the first. */
  checked_at: z.number().nullable(),
  period_ms: z.number(),
  timeout_ms: z.number(),
});

export const watcherStateSchema = z.object({
  version: z.literal(1),
  pid: z.number(),
  /** Epoch ms of this write; the watcher rewrites the file every second. */
  written_at: z.number(),
  probes: z.record(z.string(), probeStateSchema),
  /** Cumulative histogram of schedule drift (see DriftHistogram): bucket counts and their total. */
  drift: z.object({ counts: z.array(z.number()), total: z.number() }).optional(),
  /** The last edit of config.yaml was refused (first problems): the watcher runs its last good config. */
  config_problems: z.array(z.string()).optional(),
});

export type WatcherState = z.infer<typeof watcherStateSchema>;
export type PublishedProbe = z.infer<typeof probeStateSchema>;

/** Parses the file's text; undefined when it is not a state file this version understands. */
export function parseWatcherState(text: string): WatcherState | undefined {
  try {
    const parsed = watcherStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
