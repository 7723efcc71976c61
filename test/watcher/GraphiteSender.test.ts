import test from 'ava';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { systemClock } from '../../src/clock/Clock.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { GraphiteSender, type GraphiteStats } from '../../src/watcher/GraphiteSender.ts';
import { closedPort } from '../helpers/httpServers.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** A big batch (16 MB): more than the kernel buffers of a loopback connection nobody reads (4 MB fit). */
const BIG = 'deadpool.dc-1.probes.p.up 1 1700000000\n'.repeat(400_000);

function sender(port: number, options: { server?: string; lookup?: ConstructorParameters<typeof GraphiteSender>[0]['lookup']; batch?: string; sendTimeoutMs?: number } = {}) {
  const records: LogRecord[] = [];
  const built: number[] = [];
  const graphite = new GraphiteSender({
    server: options.server ?? '127.0.0.1',
    port,
    intervalMs: 50,
    sendTimeoutMs: options.sendTimeoutMs ?? 200,
    reportEveryMs: 1000,
    clock: systemClock,
    log: createLogger({ level: 'debug', sinks: [(record) => records.push(record)] }),
    batch: async (nowS) => {
      built.push(nowS);
      return options.batch ?? BIG;
    },
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  return { graphite, records, built };
}

/** A carbon that accepts connections and never reads: the worst kind, it holds every send open. */
async function hangingCarbon(t: { teardown(fn: () => void): void }) {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.pause();
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, sockets, server };
}

test('a carbon that accepts and never reads: one batch in flight at most, the others dropped and counted, the event loop free, one warning a second at most (the report period)', async (t) => {
  const carbon = await hangingCarbon(t);
  // A send that blocked would hold the loop for its whole deadline, 3 s: well above this machine's noise (about 1 s under load).
  const { graphite, records } = sender(carbon.port, { sendTimeoutMs: 3000 });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const seen: GraphiteStats[] = [];
  const sampler = setInterval(() => seen.push(graphite.stats()), 10);
  graphite.start();
  await waitFor(() => graphite.stats().failed >= 2 && graphite.stats().dropped >= 5, 60_000, 'failed and dropped batches');
  clearInterval(sampler);
  graphite.stop();
  delay.disable();
  t.true(seen.every((stats) => stats.inFlight <= 1), 'never two batches at once');
  t.true(carbon.sockets.length <= graphite.stats().failed + graphite.stats().sent + 1, `one connection per batch: ${carbon.sockets.length}`);
  t.true(delay.max / 1e6 < 2000, `event loop delay ${delay.max / 1e6} ms`);
  const warnings = records.filter((record) => record.level === 'warning');
  t.true(warnings.length >= 1);
  for (const warning of warnings) t.regex(warning.message, /^graphite 127\.0\.0\.1:\d+: lost \d+ batch\(es\) of metrics: /);
  t.true(warnings.some((warning) => warning.message.includes('failed (no answer within 3000 ms)')));
  t.true(warnings.some((warning) => warning.message.includes('dropped (the previous one was still being sent)')));
  const elapsedS = (Date.now() - (records[0]?.time.getTime() ?? Date.now())) / 1000;
  t.true(warnings.length <= Math.ceil(elapsedS) + 2, `${warnings.length} warnings`);
});

test('a closed port and a name that never resolves fail fast and are counted; a carbon that reads gets every line', async (t) => {
  const refused = sender(await closedPort(), { batch: 'a.b 1 1\n' });
  refused.graphite.start();
  await waitFor(() => refused.graphite.stats().failed >= 3, 30_000, 'refused batches');
  refused.graphite.stop();
  t.is(refused.graphite.stats().sent, 0);
  t.regex(refused.records.find((record) => record.level === 'warning')?.message ?? '', /failed \(ECONNREFUSED\)/);

  let lookups = 0;
  const unresolvable = sender(2003, { server: 'carbon.invalid', batch: 'a.b 1 1\n', lookup: () => void lookups++ });
  unresolvable.graphite.start();
  await waitFor(() => unresolvable.graphite.stats().failed >= 3, 30_000, 'unresolved batches');
  unresolvable.graphite.stop();
  t.is(lookups, 1, 'one lookup in flight, however many batches');

  // A carbon that comes back: it reads everything.
  const received: Buffer[] = [];
  const server = net.createServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void server.close());
  const good = sender((server.address() as net.AddressInfo).port, { batch: 'deadpool.x.alive 1 1\n' });
  good.graphite.start();
  await waitFor(() => good.graphite.stats().sent >= 3, 30_000, 'batches sent');
  good.graphite.stop();
  t.is(good.graphite.stats().failed, 0);
  await waitFor(() => Buffer.concat(received).toString().startsWith('deadpool.x.alive 1 1\ndeadpool.x.alive 1 1\n'), 10_000, 'the lines at the server');
});
