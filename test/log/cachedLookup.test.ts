import test from 'ava';
import { cachedLookup, type LookupFn } from '../../src/log/cachedLookup.ts';

/** A resolver the test answers by hand; counts the lookups it was asked for. */
function manualResolver() {
  const pending: ((error: Error | null, address: string) => void)[] = [];
  const lookup: LookupFn = (_host, _options, cb) => void pending.push(cb);
  return { lookup, pending };
}

const ask = (get: ReturnType<typeof cachedLookup>) =>
  new Promise<{ error: Error | null; address?: string }>((resolve) => get((error, address) => resolve({ error, address })));

test('an IP address is answered at once, without a lookup', async (t) => {
  const { lookup, pending } = manualResolver();
  t.deepEqual(await ask(cachedLookup('127.0.0.1', { lookup })), { error: null, address: '127.0.0.1' });
  t.is(pending.length, 0);
});

test('callers waiting for a name share one lookup, and its answer is cached', async (t) => {
  const { lookup, pending } = manualResolver();
  const get = cachedLookup('graylog.example', { lookup });
  const answers = Promise.all([ask(get), ask(get), ask(get)]);
  t.is(pending.length, 1);
  pending[0]!(null, '10.0.0.7');
  t.true((await answers).every((a) => a.address === '10.0.0.7'));
  t.is((await ask(get)).address, '10.0.0.7');
  t.is(pending.length, 1);
});

test('a stale address is used while it is refreshed', async (t) => {
  const { lookup, pending } = manualResolver();
  const get = cachedLookup('graylog.example', { lookup, ttlMs: 0 });
  const first = ask(get);
  pending[0]!(null, '10.0.0.7');
  await first;
  t.is((await ask(get)).address, '10.0.0.7');
  t.is(pending.length, 2, 'refreshing');
  pending[1]!(new Error('SERVFAIL'), '');
  t.is((await ask(get)).address, '10.0.0.7', 'a failed refresh keeps the old address');
});

test('a failure is remembered, so an unresolvable host costs one lookup per period', async (t) => {
  const { lookup, pending } = manualResolver();
  const get = cachedLookup('no-such-host.invalid', { lookup, failTtlMs: 60_000 });
  const first = ask(get);
  pending[0]!(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), '');
  t.regex((await first).error!.message, /ENOTFOUND/);
  for (let i = 0; i < 100; i++) t.regex((await ask(get)).error!.message, /ENOTFOUND/);
  t.is(pending.length, 1);
});

test('a lookup that never answers fails its callers after the timeout and starts no other', async (t) => {
  const { lookup, pending } = manualResolver();
  const get = cachedLookup('graylog.example', { lookup, timeoutMs: 50, failTtlMs: 0 });
  const start = performance.now();
  const { error } = await ask(get);
  t.regex(error!.message, /timed out after 50 ms/);
  t.true(performance.now() - start < 1_000);
  const again = await ask(get);
  t.regex(again.error!.message, /timed out/);
  t.is(pending.length, 1, 'the hung lookup is still the only one');
});
