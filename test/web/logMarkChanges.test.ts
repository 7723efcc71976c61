import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { NO_MARKS, type Marks } from '../../src/marks/Mark.ts';
import { parseMark } from '../../src/marks/markFormat.ts';
import { logMarkChanges } from '../../src/web/logMarkChanges.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

const T = Date.UTC(2030, 0, 31, 12, 0, 0);

test('each mark is logged once when it appears, when it expires and when it is removed; drains at warning, broken acks say they are ignored', async (t) => {
  const clock = new FakeClock();
  let marks: Marks = NO_MARKS;
  const listeners = new Set<() => void>();
  const records: LogRecord[] = [];
  const log = logMarkChanges({
    marks: () => marks,
    now: () => T + clock.now(),
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes: [
      (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    ],
    clock,
  });
  t.teardown(() => log.close());
  // Changes are looked at once per turn of the event loop (checkOnChange.ts): let that turn come.
  const change = async (next: Marks) => {
    marks = next;
    for (const listener of listeners) listener();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const drain = parseMark('drain', 'search', 'flags/drains/search', 'reindexing\nby: alice\nat: 2030-01-31T12:00:00Z\nuntil: 2030-01-31T12:00:02Z\n', 0);
  const ack = parseMark('ack', 'db', 'flags/acks/db', 'migrating\nuntil: soon\n', T);
  await change({ ...NO_MARKS, drains: [drain], acks: [ack] });
  await change({ ...NO_MARKS, drains: [drain], acks: [ack] });
  clock.advanceTo(3000);
  await change(NO_MARKS);
  t.deepEqual(
    records.map((r) => `${r.level} ${r.message}`),
    [
      'warning ack of probe db: until: "soon" is not a time (expected e.g. 2030-01-31T12:00:00Z); ignored: the probe counts',
      'warning drain of pool search by alice until 2030-01-31T12:00:02Z: reindexing',
      'info drain of pool search expired',
      'info ack of probe db removed',
    ],
  );
  t.like(records[1]?.fields, { mark: 'drain', target: 'search', by: 'alice', reason: 'reindexing', until: '2030-01-31T12:00:02Z' });
});

test('maintenance is logged at warning when it begins, and when it ends', async (t) => {
  let marks: Marks = NO_MARKS;
  const listeners = new Set<() => void>();
  const records: LogRecord[] = [];
  const log = logMarkChanges({
    marks: () => marks,
    now: () => T,
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes: [
      (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    ],
    clock: new FakeClock(),
  });
  t.teardown(() => log.close());
  const change = async (next: Marks) => {
    marks = next;
    for (const listener of listeners) listener();
    await new Promise((resolve) => setImmediate(resolve));
  };
  await change({ ...NO_MARKS, maint: [parseMark('maint', undefined, 'flags/maint', 'new switches\nby: carol\n', T)] });
  await change(NO_MARKS);
  t.deepEqual(
    records.map((r) => `${r.level} ${r.message}`),
    ['warning maintenance of the DC by carol until removed: new switches', 'info maintenance of the DC removed'],
  );
  t.like(records[0]?.fields, { mark: 'maint', target: 'DC', by: 'carol', reason: 'new switches' });
});
