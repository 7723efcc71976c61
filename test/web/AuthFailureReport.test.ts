import test from 'ava';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { AuthFailureReport } from '../../src/web/AuthFailureReport.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

function setup() {
  const clock = new FakeClock();
  const records: LogRecord[] = [];
  const report = new AuthFailureReport({ logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }), clock });
  return { clock, records, report };
}

test('511s are summed up at info once a minute: the count and up to ten addresses, the others counted; never a line per request', (t) => {
  const { clock, records, report } = setup();
  clock.advanceTo(5000);
  for (let i = 0; i < 15; i++) for (let k = 0; k < 3; k++) report.add(`10.0.0.${i}`);
  report.add('10.0.0.1');
  t.deepEqual(records, [], 'nothing before the minute is over');
  clock.advanceTo(64_999);
  t.deepEqual(records, []);
  clock.advanceTo(65_000);
  t.is(records.length, 1);
  const clients = '10.0.0.0, 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9 and 5 more';
  t.like(records[0], { level: 'info', message: `answered 511 Auth ERR to 46 request(s) in 60 s from ${clients}`, fields: { component: 'web', status: 511, count: 46, clients } });

  clock.advanceTo(10 * 60_000);
  t.is(records.length, 1, 'a quiet minute logs nothing');
  report.add(undefined);
  clock.advanceTo(11 * 60_000);
  t.is(records.length, 2);
  t.is(records[1]!.message, 'answered 511 Auth ERR to 1 request(s) in 60 s from unknown');
});

test('close() logs what was counted so far, then stops', (t) => {
  const { clock, records, report } = setup();
  report.add('::1');
  clock.advanceTo(2000);
  report.close();
  t.is(records.length, 1);
  t.is(records[0]!.message, 'answered 511 Auth ERR to 1 request(s) in 2 s from ::1');
  report.add('::1');
  clock.advanceTo(10 * 60_000);
  t.is(records.length, 1);
});

test('a spray from more addresses than are kept says "over"', (t) => {
  const { clock, records, report } = setup();
  for (let i = 0; i < 1500; i++) report.add(`2001:db8::${i.toString(16)}`);
  clock.advanceTo(60_000);
  t.regex(records[0]!.message, /^answered 511 Auth ERR to 1500 request\(s\) in 60 s from 2001:db8::0, .*, 2001:db8::9 and over 990 more$/);
});
