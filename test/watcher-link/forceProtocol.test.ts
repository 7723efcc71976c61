import test from 'ava';
import { parseForceReply, parseForceRequest } from '../../src/watcher-link/forceProtocol.ts';

test('a request names the probes to check; anything else is not a request', (t) => {
  t.deepEqual(parseForceRequest('{"force":["es-1","db"]}'), ['es-1', 'db']);
  t.deepEqual(parseForceRequest('{"force":[]}'), []);
  t.is(parseForceRequest('{"force":["es-1",2]}'), undefined);
  t.is(parseForceRequest('{"force":"es-1"}'), undefined);
  t.is(parseForceRequest('["es-1"]'), undefined);
  t.is(parseForceRequest('{"force":['), undefined);
});

test('a reply line is an announcement or a check result, checked field by field', (t) => {
  t.deepEqual(parseForceReply('{"wait_ms":3000,"unknown":["x"]}'), { wait_ms: 3000, unknown: ['x'] });
  t.is(parseForceReply('{"wait_ms":-1,"unknown":[]}'), undefined, 'a negative wait');
  const result = { probe: 'es-1', at: 1, duration_ms: 12, ok: false, since: 1, reason: 'status 500', state: 'down', down_reason: 'status 500' };
  t.deepEqual(parseForceReply(JSON.stringify({ ...result, extra: true })), result, 'unknown keys dropped');
  const { down_reason: _reason, ...up } = { ...result, ok: true, state: 'up', reason: 'status 200' };
  t.deepEqual(parseForceReply(JSON.stringify(up)), up);
  t.is(parseForceReply(JSON.stringify({ ...result, state: 'asleep' })), undefined, 'an unknown state');
  t.is(parseForceReply(JSON.stringify({ ...result, ok: 'no' })), undefined, 'ok not a boolean');
  t.is(parseForceReply(JSON.stringify({ ...result, down_reason: 5 })), undefined, 'a reason that is not text');
  const { at: _at, ...noTime } = result;
  t.is(parseForceReply(JSON.stringify(noTime)), undefined, 'no time');
  t.is(parseForceReply('not json'), undefined);
});
