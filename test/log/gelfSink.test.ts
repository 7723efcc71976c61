import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/log/createLogger.ts';
import { gelfSink, type GelfSink } from '../../src/log/gelfSink.ts';
import { eventually, openSockets, refusedPort, startSilentTcpServer, startTcpGelfListener, startUdpGelfListener } from '../helpers/gelfListener.ts';

const TIME = new Date('2024-05-01T12:00:00.123Z');
const loggerFor = (sink: GelfSink) => createLogger({ level: 'debug', sinks: [sink], fields: { component: 'watcher' }, now: () => TIME });

for (const protocol of ['udp', 'tcp'] as const) {
  test(`a record arrives over ${protocol} with its level and fields`, async (t) => {
    const listener = protocol === 'udp' ? await startUdpGelfListener() : await startTcpGelfListener();
    t.teardown(() => listener.close());
    const sink = gelfSink({ server: '127.0.0.1', port: listener.port, protocol, host: 'node-1', facility: 'deadpool' });
    t.teardown(() => sink.close());

    loggerFor(sink)
      .child({ probe: 'elastic', module: 'http' })
      .error('probe is dead', { state: 'dead', reason: 'timeout', duration_ms: 1234, ok: false, 'odd key': 'x', host: 'spoof', skipped: undefined });

    const { gelf } = await listener.waitFor((m) => m.short_message === 'probe is dead');
    t.like(gelf, {
      version: '1.1',
      host: 'node-1',
      level: 3,
      timestamp: TIME.getTime() / 1000,
      _facility: 'deadpool',
      _component: 'watcher',
      _probe: 'elastic',
      _module: 'http',
      _state: 'dead',
      _reason: 'timeout',
      _duration_ms: 1234,
      _ok: 'false',
      _odd_key: 'x',
      _field_host: 'spoof',
    });
    t.false('_skipped' in gelf);
    t.deepEqual(listener.errors, []);
  });
}

test('each level maps to its syslog severity', async (t) => {
  const listener = await startTcpGelfListener();
  t.teardown(() => listener.close());
  const sink = gelfSink({ server: '127.0.0.1', port: listener.port, protocol: 'tcp' });
  t.teardown(() => sink.close());
  const logger = loggerFor(sink);
  const expected = { debug: 7, info: 6, warning: 4, error: 3, critical: 2, fatal: 0 } as const;
  for (const level of Object.keys(expected) as (keyof typeof expected)[]) logger[level](`at ${level}`);
  for (const [level, number] of Object.entries(expected)) {
    const { gelf } = await listener.waitFor((m) => m.short_message === `at ${level}`);
    t.is(gelf.level, number, level);
  }
});

test('a large incompressible record arrives over udp in chunks, reassembled', async (t) => {
  const listener = await startUdpGelfListener();
  t.teardown(() => listener.close());
  const sink = gelfSink({ server: '127.0.0.1', port: listener.port, protocol: 'udp' });
  t.teardown(() => sink.close());
  const blob = randomBytes(9_000).toString('base64'); // 12 000 characters that deflate barely shrinks

  loggerFor(sink).warning('big one', { blob });

  const { gelf, chunks } = await listener.waitFor((m) => m.short_message === 'big one');
  t.true(chunks > 5, `${chunks} chunks`);
  t.is(gelf._blob, blob);
  t.is(gelf.level, 4);
});

test('losses are reported at once, then at most once per period, and at close', async (t) => {
  const listener = await startUdpGelfListener();
  t.teardown(() => listener.close());
  const reports: string[] = [];
  let firstReport!: () => void;
  const reported = new Promise<void>((resolve) => (firstReport = resolve));
  const sink = gelfSink({
    server: '127.0.0.1', port: listener.port, protocol: 'udp', maxInFlight: 1, reportEveryMs: 60_000,
    onError: (e) => [reports.push(e.message), firstReport()],
  });
  const logger = loggerFor(sink);

  for (const m of ['a', 'b', 'c']) logger.info(m);
  t.deepEqual(reports, [], 'never from inside a log call');
  await reported;
  await listener.waitFor((m) => m.short_message === 'a');
  // The listener getting 'a' does not mean the sink is done with it: its slot is freed only once
  // the send has called back and the socket is gone, which may come after the datagram arrives.
  t.true(await eventually(() => sink.stats().inFlight === 0), `still in flight: ${sink.stats().inFlight}`);
  logger.info('d');
  logger.info('e');
  await sink.close();

  t.is(reports.length, 2);
  t.regex(reports[0]!, /^GELF 127\.0\.0\.1:\d+\/udp: lost 2 log message\(s\): 2 dropped \(already 1 in flight\)/);
  t.regex(reports[1]!, /lost 1 log message\(s\): 1 dropped/);
  t.like(sink.stats(), { sent: 2, dropped: 3, failed: 0, inFlight: 0 });
});

interface FloodResult {
  busyMs: number;
  medianCallMs: number;
  slowestCallMs: number;
  maxInFlight: number;
  maxSockets: number;
}

/** 5 000 records in bursts, letting the event loop turn between them so sends start, fail and finish. */
async function flood(sink: GelfSink, countSockets: () => number): Promise<FloodResult> {
  const logger = loggerFor(sink).child({ probe: 'flood' });
  const result: FloodResult = { busyMs: 0, medianCallMs: 0, slowestCallMs: 0, maxInFlight: 0, maxSockets: 0 };
  const calls: number[] = [];
  for (let burst = 0; burst < 10; burst++) {
    const start = performance.now();
    for (let i = 0; i < 500; i++) {
      const before = performance.now();
      logger.error('flood', { i, reason: 'x'.repeat(200) });
      calls.push(performance.now() - before);
    }
    result.busyMs += performance.now() - start;
    result.maxInFlight = Math.max(result.maxInFlight, sink.stats().inFlight);
    result.maxSockets = Math.max(result.maxSockets, countSockets(), sink.stats().openSockets);
    await new Promise((resolve) => setImmediate(resolve));
  }
  calls.sort((a, b) => a - b);
  result.medianCallMs = calls[calls.length >> 1]!;
  result.slowestCallMs = calls.at(-1)!;
  return result;
}

const BOUND = 32;
const SLACK = 2;
/** The sink's timeout: a log call that waited for a connection, a send or a hung lookup would take up to this long. */
const TIMEOUT_MS = 500;

interface Target {
  server: string;
  port: number;
  /** Accepted connections the target holds: they are sockets of this process too, but not ours. */
  connections?: () => number;
  close?: () => Promise<void>;
}
const nowhere = async (): Promise<Target> => ({ server: 'no-such-host.invalid', port: 12201 });
const UNRESOLVABLE = /ENOTFOUND|EAI_AGAIN|timed out/;

const cases: { name: string; protocol: 'udp' | 'tcp'; error?: RegExp; start: () => Promise<Target> }[] = [
  { name: 'a refused tcp port', protocol: 'tcp', error: /ECONNREFUSED/, start: async () => ({ server: '127.0.0.1', port: await refusedPort() }) },
  { name: 'an unresolvable host over tcp', protocol: 'tcp', error: UNRESOLVABLE, start: nowhere },
  { name: 'an unresolvable host over udp', protocol: 'udp', error: UNRESOLVABLE, start: nowhere },
  { name: 'a tcp server that accepts and never reads', protocol: 'tcp', start: async () => ({ server: '127.0.0.1', ...(await startSilentTcpServer()) }) },
  { name: 'a healthy udp listener under a burst', protocol: 'udp', start: async () => ({ server: '127.0.0.1', ...(await startUdpGelfListener()) }) },
];

for (const { name, protocol, error, start } of cases) {
  // Serial: the socket counts are process-wide.
  test.serial(`${name}: logging stays fast, bounded and harmless`, async (t) => {
    const target = await start();
    t.teardown(() => target.close?.());
    const baseline = openSockets();
    const ours = () => openSockets()[protocol] - baseline[protocol] - (target.connections?.() ?? 0);
    const reports: string[] = [];
    const sink = gelfSink({ server: target.server, port: target.port, protocol, timeoutMs: TIMEOUT_MS, reportEveryMs: 60_000, onError: (e) => reports.push(e.message) });

    const result = await flood(sink, ours);
    await sink.close();

    t.log(`5 000 log calls took ${result.busyMs.toFixed(0)} ms; median ${result.medianCallMs.toFixed(3)} ms, slowest ${result.slowestCallMs.toFixed(1)} ms`);
    // The wall-clock time of one call includes any GC pause and any time the OS ran other processes
    // instead (measured at 28-80 ms on a loaded 2-core machine, for calls using under 6 ms of CPU),
    // so the slowest call says nothing about the sink below that. Asserted instead: the typical call
    // is cheap (a sink doing slow work per call moves the median), and no call waits for the network.
    t.true(result.medianCallMs < 1, `median log call took ${result.medianCallMs.toFixed(3)} ms`);
    t.true(result.slowestCallMs < TIMEOUT_MS, `slowest log call took ${result.slowestCallMs.toFixed(1)} ms: it waited for the network`);
    t.true(result.maxInFlight <= BOUND, `in flight: ${result.maxInFlight}`);
    t.true(result.maxSockets <= BOUND + SLACK, `open sockets: ${result.maxSockets}`);
    const stats = sink.stats();
    t.is(stats.sent + stats.failed + stats.dropped, 5_000);
    t.is(stats.inFlight, 0);
    t.true(stats.dropped > 0);
    if (error) {
      t.is(stats.sent, 0);
      t.regex(reports.join('\n'), error);
    } else t.true(stats.sent > 0);
    t.true(reports.length >= 1 && reports.length <= 2, `${reports.length} reports`);
    t.true(await eventually(() => ours() <= 0), `sockets left open after close: ${ours()}`);
  });
}

test.serial('close returns after its wait even when a send is stuck (here: DNS that never answers)', async (t) => {
  let lookups = 0;
  const reports: string[] = [];
  const sink = gelfSink({
    server: 'graylog.example', port: 12201, protocol: 'udp', timeoutMs: 10_000,
    lookup: () => void lookups++, onError: (e) => reports.push(e.message),
  });
  const logger = loggerFor(sink);
  for (let i = 0; i < 100; i++) logger.info('waiting');
  t.like(sink.stats(), { inFlight: BOUND, dropped: 100 - BOUND, openSockets: 0 });
  t.is(lookups, 1, 'one lookup for all waiting messages');

  const start = performance.now();
  await sink.close(200);
  t.true(performance.now() - start < 1_000);
  logger.info('after close');
  t.like(sink.stats(), { sent: 0, dropped: 100 - BOUND });
  t.regex(reports.join('\n'), /lost 68 log message\(s\): 68 dropped/);
});

test('a bad port is refused when the sink is made, not later inside a socket callback', (t) => {
  t.throws(() => gelfSink({ server: '127.0.0.1', port: 70_000, protocol: 'udp' }), { instanceOf: RangeError });
});
