import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';

test('records below the level are dropped, and enabled() says so before any field is built', (t) => {
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'info', sinks: [(r) => records.push(r)] });
  t.false(log.enabled('debug'));
  t.true(log.enabled('info'));
  t.true(log.enabled('fatal'));
  log.debug('dropped');
  log.child({ probe: 'p' }).warning('kept');
  t.deepEqual(
    records.map((r) => [r.level, r.message, r.fields]),
    [['warning', 'kept', { probe: 'p' }]],
  );
  t.true(createLogger({ level: 'debug', sinks: [] }).child({}).enabled('debug'));
});
