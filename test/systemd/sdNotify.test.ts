import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { sdNotify, takeNotifySettings } from '../../src/systemd/sdNotify.ts';
import { spawnNotify } from '../../src/systemd/spawnNotify.ts';
import { startNotifyReceiver } from '../helpers/notifyReceiver.ts';
import { waitFor } from '../helpers/waitFor.ts';

const settings: [string, NodeJS.ProcessEnv, ReturnType<typeof takeNotifySettings>][] = [
  ['not under systemd', {}, { socket: undefined, watchdogMs: undefined }],
  ['a socket, no watchdog', { NOTIFY_SOCKET: '/run/n' }, { socket: '/run/n', watchdogMs: undefined }],
  ['watchdog for everyone', { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '30000000' }, { socket: '@n', watchdogMs: 15_000 }],
  ['watchdog for us', { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '4000000', WATCHDOG_PID: '42' }, { socket: '@n', watchdogMs: 2000 }],
  ['watchdog for another process', { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: '4000000', WATCHDOG_PID: '43' }, { socket: '@n', watchdogMs: undefined }],
  ['watchdog 0 or garbage', { NOTIFY_SOCKET: '@n', WATCHDOG_USEC: 'soon' }, { socket: '@n', watchdogMs: undefined }],
];
for (const [name, env, expected] of settings) {
  test(`takeNotifySettings: ${name}; the variables leave the environment`, (t) => {
    const copy = { ...env, HOME: '/root' };
    t.deepEqual(takeNotifySettings(copy, 42), expected);
    t.deepEqual(copy, { HOME: '/root' });
  });
}

test('sends each notification as one datagram through systemd-notify, in order; a newline in a value cannot add a field', async (t) => {
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const notify = sdNotify({ socket: receiver.socket, spawn: spawnNotify, log: createLogger({ level: 'debug', sinks: [] }) });
  t.true(notify.enabled);
  void notify.send({ STATUS: '503: es-1\nREADY=1' });
  void notify.send({ READY: '1', STATUS: '200 OK' });
  void notify.send({ WATCHDOG: '1' });
  await notify.flush();
  await waitFor(() => receiver.received.length >= 3, 30_000, 'three datagrams');
  t.deepEqual(
    receiver.received.map((n) => n.fields),
    [{ STATUS: '503: es-1 READY=1' }, { READY: '1', STATUS: '200 OK' }, { WATCHDOG: '1' }],
  );
});

test('a WATCHDOG=1 already waiting is not queued twice', async (t) => {
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const notify = sdNotify({ socket: receiver.socket, spawn: spawnNotify, log: createLogger({ level: 'debug', sinks: [] }) });
  void notify.send({ STATUS: 'first' });
  for (let i = 0; i < 5; i++) void notify.send({ WATCHDOG: '1' });
  await notify.flush();
  await waitFor(() => receiver.received.length >= 2, 30_000, 'two datagrams');
  t.deepEqual(receiver.received.map((n) => n.fields), [{ STATUS: 'first' }, { WATCHDOG: '1' }]);
});

test('no NOTIFY_SOCKET: nothing is spawned; a missing systemd-notify or a dead socket is logged once and never thrown', async (t) => {
  let spawned = 0;
  const off = sdNotify({ socket: undefined, spawn: (...args) => (spawned++, spawnNotify(...args)), log: createLogger({ level: 'debug', sinks: [] }) });
  t.false(off.enabled);
  await off.send({ READY: '1' });
  t.is(spawned, 0);

  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(r) => records.push(r)] });
  const missing = sdNotify({ socket: '/nonexistent/notify.sock', spawn: spawnNotify, log, command: 'deadpool-no-such-systemd-notify' });
  await missing.send({ READY: '1' });
  await missing.send({ WATCHDOG: '1' });
  t.deepEqual(records.map((r) => r.message), ['cannot notify systemd: deadpool-no-such-systemd-notify not found (it comes with the systemd package)']);

  records.length = 0;
  const nobodyListens = sdNotify({ socket: '/nonexistent/notify.sock', spawn: spawnNotify, log });
  await nobodyListens.send({ READY: '1' });
  await nobodyListens.send({ READY: '1' });
  t.is(records.length, 1, records.map((r) => r.message).join(' | '));
  t.regex(records[0]!.message, /^cannot notify systemd: systemd-notify exited with 1/);
});
