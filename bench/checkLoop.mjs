// Section 5's checks without the watcher: url_probe's own `check` (axios, a fresh connection per
// check, the probe's deadline) called `rate` times a second against the same backend, spread over
// the second as the watcher's phases spread them. What the same work costs with no scheduler, flag
// store, state file or log around it: the floor the watcher's CPU is compared with. Plain
// JavaScript on the compiled module, started with the watcher's Node flags, so nothing but the
// watcher's own work differs. Prints "ready" once its first round is done; runs until killed.
import urlProbe from '../dist/probes/url_probe.js';

const [url, rateArg] = process.argv.slice(2);
const rate = Number(rateArg);
if (!url || !Number.isInteger(rate) || rate <= 0) {
  process.stderr.write('usage: checkLoop.mjs <url> <checks per second>\n');
  process.exit(2);
}
const options = { query: { url, header: {}, query_type: 'get', timeout: 5, insecure: false }, criteria: [] };
const log = { enabled: () => false, debug() {}, info() {}, warning() {}, error() {}, child: () => log };
let failures = 0;
let firstRound = rate;

function loop(offsetMs) {
  const tick = async () => {
    const started = performance.now();
    const result = await urlProbe.check({ probe: 'floor', options, signal: new AbortController().signal, timeoutMs: 5000, log });
    if (!result.ok) failures++;
    if (firstRound > 0 && --firstRound === 0) process.stdout.write('ready\n');
    setTimeout(tick, Math.max(0, 1000 - (performance.now() - started)));
  };
  setTimeout(tick, offsetMs);
}
for (let i = 0; i < rate; i++) loop((i * 1000) / rate);
process.on('SIGTERM', () => {
  process.stdout.write(`failures ${failures}\n`);
  process.exit(0);
});
