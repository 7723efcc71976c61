/**
 * `/metrics` over the watcher's socket (`.deadpool-watcher.sock`, see forceProtocol.ts): the
 * responder sends this one line, the watcher writes its Prometheus text and closes the
 * connection. The numbers of the checks live in the watcher; the responder adds what it decides
 * itself (success, pools, its requests) and serves one scrape per DC.
 */
export const METRICS_REQUEST = '{"metrics":true}';

/** A watcher answering more than this is cut off: 10,000 probes give about 3.5 MB. */
export const MAX_METRICS_BYTES = 64 * 1024 * 1024;

export const isMetricsRequest = (line: string): boolean => line.trim() === METRICS_REQUEST;
