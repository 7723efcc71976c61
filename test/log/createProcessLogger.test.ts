import test from 'ava';
import { createProcessLogger } from '../../src/log/createProcessLogger.ts';
import { refusedPort, startUdpGelfListener } from '../helpers/gelfListener.ts';

test('stdout only for type stdout, with the component and the level filter', async (t) => {
  const lines: string[] = [];
  const { logger, gelf, close } = createProcessLogger({ type: 'stdout', server: 'localhost', port: 12201, level: 'info', protocol: 'udp' }, 'web', {
    write: (line) => lines.push(line),
  });
  logger.debug('hidden');
  logger.info('visible', { probe: 'elastic' });
  await close();
  t.is(gelf, undefined);
  t.is(lines.length, 1);
  t.regex(lines[0]!, /INFO +web visible probe=elastic\n$/);
});

test('type gelf: stdout and Graylog both get the records that pass the level', async (t) => {
  const listener = await startUdpGelfListener();
  t.teardown(() => listener.close());
  const lines: string[] = [];
  const { logger, gelf, close } = createProcessLogger({ type: 'gelf', server: '127.0.0.1', port: listener.port, level: 'info', protocol: 'udp' }, 'watcher', {
    write: (line) => lines.push(line),
  });
  logger.debug('hidden');
  logger.child({ probe: 'elastic' }).warning('visible', { reason: 'slow' });

  const { gelf: message } = await listener.waitFor((m) => m.short_message === 'visible');
  await close();
  t.like(message, { level: 4, _component: 'watcher', _probe: 'elastic', _reason: 'slow', _facility: 'deadpool' });
  t.like(gelf!.stats(), { sent: 1, failed: 0, dropped: 0 }, 'the debug record never reached the sink');
  t.false(listener.received.some((r) => r.gelf.short_message === 'hidden'));
  t.deepEqual(lines.map((l) => l.includes('visible')), [true]);
});

test('GELF losses are reported on stdout, not sent to the failing sink', async (t) => {
  const lines: string[] = [];
  const port = await refusedPort();
  const { logger, gelf, close } = createProcessLogger({ type: 'gelf', server: '127.0.0.1', port, level: 'info', protocol: 'tcp' }, 'supervisor', {
    write: (line) => lines.push(line),
    gelf: { timeoutMs: 500 },
  });
  logger.error('first');
  await close();
  t.like(gelf!.stats(), { sent: 0, failed: 1 });
  t.is(lines.length, 2);
  t.regex(lines[1]!, /WARNING +supervisor GELF 127\.0\.0\.1:\d+\/tcp: lost 1 log message\(s\): 1 failed \(.*ECONNREFUSED.*\) sink=gelf/);
});

test("dc: every GELF record carries the DC's name as _dc; stdout lines stay as they were", async (t) => {
  const listener = await startUdpGelfListener();
  t.teardown(() => listener.close());
  const lines: string[] = [];
  const { logger, close } = createProcessLogger({ type: 'gelf', server: '127.0.0.1', port: listener.port, level: 'info', protocol: 'udp' }, 'web', {
    write: (line) => lines.push(line),
    dc: 'DC-1',
  });
  logger.info('first');
  logger.child({ probe: 'elastic' }).warning('second', { reason: 'slow' });
  await listener.waitFor((m) => m.short_message === 'second');
  await listener.waitFor((m) => m.short_message === 'first');
  await close();
  t.deepEqual(
    listener.received.map((r) => [r.gelf.short_message, r.gelf._dc]).sort(),
    [
      ['first', 'DC-1'],
      ['second', 'DC-1'],
    ],
  );
  t.false(lines.some((l) => l.includes('DC-1')));
});
