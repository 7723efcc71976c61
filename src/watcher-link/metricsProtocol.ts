/**
 * `/metrics` over the watcher's socket (`.deadpool-watcher.sock`, see forceProtocol.ts): the
 * responder sends this one line; the watcher answers `{"shared_bytes": N}`, a newline, N bytes
 * of the families the responder has too (the default process metrics, which it merges with its
 * own), then the rest of its Prometheus text (its probes' families), and closes the connection.
 * The rest is passed to the HTTP answer as the bytes that came, never made one string: at 10,000
 * probes it is 3 MB a scrape, and large strings are what grew the responder's heap.
 */
export const METRICS_REQUEST = '{"metrics":true}';

/** A watcher answering more than this is cut off: 10,000 probes give about 3.5 MB. */
export const MAX_METRICS_BYTES = 64 * 1024 * 1024;

export const isMetricsRequest = (line: string): boolean => line.trim() === METRICS_REQUEST;

/** The watcher's text in its two parts. */
export interface WatcherMetricsText {
  /** Families the responder also writes (process_*, nodejs_*): merged with its own. */
  shared: string;
  /** Families only the watcher has. */
  own: string;
}

export const metricsHeader = (shared: string): string => `${JSON.stringify({ shared_bytes: Buffer.byteLength(shared) })}\n`;

/** The size of the shared part a header line announces; undefined when the line is not one. */
export function parseMetricsHeader(line: string): number | undefined {
  try {
    const value = (JSON.parse(line) as { shared_bytes?: unknown }).shared_bytes;
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
