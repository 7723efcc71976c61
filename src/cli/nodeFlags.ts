/**
 * Node options each `deadpool` process is started with by `deadpool run` (and should be by a
 * systemd unit that starts one alone). The responder's heap is small and short-lived (a few KB per
 * request), so a 1 MB young generation and no V8 helper threads keep its RSS near Node's own floor
 * (76 → 68 MB idle, 89 → 68 MB after a throughput run: BENCHMARKS.md, "Memory"). The watcher's
 * thousands of sockets and timers use V8's defaults.
 */
export const NODE_FLAGS: Record<'watcher' | 'web', readonly string[]> = {
  watcher: [],
  web: ['--max-semi-space-size=1', '--v8-pool-size=0'],
};
