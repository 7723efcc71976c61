import { z } from 'zod';

/**
 * The watcher's heartbeat, in the flag folder next to the flags (its name starts with "." so it is
 * never taken for a flag). Flags say which probes are dead; this file says which results are fresh,
 * so the responder can fail closed when the watcher is stopped, frozen or has not checked yet.
 */
export const STATE_FILE = '.deadpool-state.json';

const probeStateSchema = z.object({
  state: z.enum(['pending', 'up', 'down']),
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
