import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import type { Fields, SdNotify } from '../../src/systemd/sdNotify.ts';
import { ServiceReporter } from '../../src/systemd/ServiceReporter.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

/** Records what would go to systemd (the sending itself is sdNotify.test.ts's business). */
function recordingNotify(): SdNotify & { sent: Fields[] } {
  const sent: Fields[] = [];
  return { enabled: true, sent, send: async (fields) => void sent.push(fields), flush: async () => undefined };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('STATUS= only on change, READY=1 once with the status, WATCHDOG=1 at the interval, held back while unhealthy after READY, then STOPPING=1', async (t) => {
  const clock = new FakeClock();
  const notify = recordingNotify();
  const records: LogRecord[] = [];
  let problem: string | undefined = 'no heartbeat from the watcher for 7 s';
  const reporter = new ServiceReporter({ notify, watchdogMs: 1000, unhealthy: () => problem, clock, log: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }) });
  reporter.start();
  await turn();
  // Before READY=1 only this process's own loop counts: start-up is TimeoutStartSec's business.
  t.deepEqual(notify.sent, [{ WATCHDOG: '1' }]);
  reporter.status('503: es-1');
  reporter.status('503: es-1');
  reporter.status('200 OK');
  reporter.markReady();
  reporter.markReady();
  t.deepEqual(notify.sent.slice(1), [{ STATUS: '503: es-1' }, { STATUS: '200 OK' }, { READY: '1', STATUS: '200 OK' }]);
  notify.sent.length = 0;
  clock.advanceTo(1000);
  await turn();
  t.deepEqual(notify.sent, [], 'no ping while the watcher is silent');
  t.true(records.some((r) => r.message === 'not feeding the systemd watchdog: no heartbeat from the watcher for 7 s; systemd restarts the service if this lasts'));
  problem = undefined;
  clock.advanceTo(2000);
  await turn();
  t.deepEqual(notify.sent, [{ WATCHDOG: '1' }]);
  t.true(records.some((r) => r.message === 'feeding the systemd watchdog again'));
  await reporter.stopping();
  clock.advanceTo(5000);
  await turn();
  reporter.status('503: es-2');
  t.deepEqual(notify.sent.slice(1), [{ STOPPING: '1', STATUS: 'stopping' }]);
});

test('no watchdog asked for: no pings, and a check that throws counts as unhealthy', async (t) => {
  const clock = new FakeClock();
  const notify = recordingNotify();
  const quiet = new ServiceReporter({ notify, watchdogMs: undefined, unhealthy: () => undefined, clock, log: createLogger({ level: 'debug', sinks: [] }) });
  quiet.start();
  clock.advanceTo(60_000);
  await turn();
  t.deepEqual(notify.sent, []);

  const records: LogRecord[] = [];
  const broken = new ServiceReporter({
    notify,
    watchdogMs: 500,
    unhealthy: () => Promise.reject(new Error('EIO')),
    clock,
    log: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
  });
  broken.markReady();
  notify.sent.length = 0;
  broken.start();
  await turn();
  t.deepEqual(notify.sent, []);
  t.regex(records.at(-1)!.message, /not feeding the systemd watchdog: cannot tell whether it is healthy: EIO/);
});
