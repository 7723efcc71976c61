/**
 * Node options each `deadpool` process is started with by `deadpool run` (and should be by a
 * systemd unit that starts one alone); BENCHMARKS.md, "Memory", has the measurements.
 *
 * - responder: its heap is small and short-lived (a few KB per request), so a 2 MB young
 *   generation and no V8 helper threads keep its RSS near Node's own floor (by hand, after a
 *   throughput run: 89 MB with V8's defaults, 69 MB with these). 1 MB saved 2 MB more but cost
 *   about 5 % of the requests per second in young-generation collections. V8's heap growing
 *   factor is left alone: `--heap-growing-percent=30` took 1-3 MB off the RSS after a minute of
 *   status pages and scrapes, but cost the fast path about 5 % of its requests per second under a
 *   flood (0.81-0.82 of bare node:http against 0.86-0.87, paired runs; BENCHMARKS.md, "Session 6").
 * - watcher: every check leaves objects that live about one period (its timer, its result), so
 *   they are promoted and die in the old generation. V8's default lets that generation grow to
 *   several times the live data before collecting it (432 MB RSS for 50 MB live at 10,000
 *   probes). Growing it by 50 % at most, with a 4 MB young generation, gave 184 MB at 40 % of a
 *   core; 25 % gave 177 MB but 55 % of a core. Neither is a hard cap: more probes still get the
 *   memory they need.
 */
export const NODE_FLAGS: Record<'watcher' | 'web', readonly string[]> = {
  watcher: ['--heap-growing-percent=50', '--max-semi-space-size=4'],
  web: ['--max-semi-space-size=2', '--v8-pool-size=0'],
};
