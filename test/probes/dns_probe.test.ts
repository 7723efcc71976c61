import test, { type ExecutionContext } from 'ava';
import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import dnsProbe from '../../probes/dns_probe.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import type { CheckResult, RawCriterion } from '../../src/probe-api/types.ts';
import { startRealServer, type RealServer } from '../helpers/realServer.ts';
import { referenceTimer } from '../helpers/referenceTimer.ts';

/**
 * Against a real dnsmasq 2.90 started here on a 127.0.0.1 high port, with the records below, no
 * upstream and `example` local (an unknown name in it is NXDOMAIN, a name outside it REFUSED).
 * SERVFAIL is the one answer dnsmasq cannot be made to give on demand: a UDP server of a few lines
 * answers every question with it.
 */
const MARGIN_MS = 1000;

function startDnsmasq(t: ExecutionContext, address = '127.0.0.1'): Promise<RealServer> {
  return startRealServer(
    t,
    '/usr/sbin/dnsmasq',
    (port) => [
      `--port=${port}`,
      `--listen-address=${address}`,
      '--bind-interfaces',
      '--no-daemon',
      '--no-resolv',
      '--no-hosts',
      '--user=nobody',
      '--local=/example/',
      '--host-record=api.example,10.0.0.5',
      '--host-record=api.example,10.0.0.6',
      '--host-record=v6.example,fd00::5',
      // Two strings in one TXT record (no shell here: dnsmasq gets the commas as they are).
      '--txt-record=txt.example,part one,part two',
      '--mx-host=mx.example,mail.example,10',
      '--srv-host=_http._tcp.example,web.example,8080,1,5',
      '--cname=alias.example,api.example',
    ],
    /started, version/,
  );
}

/** A UDP DNS server that answers every question with SERVFAIL. */
async function servfailServer(t: ExecutionContext): Promise<number> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    let end = 12;
    while (end < query.length && query[end] !== 0) end += (query[end] as number) + 1;
    const answer = Buffer.from(query.subarray(0, end + 5));
    answer[2] = 0x80 | ((query[2] as number) & 0x01); // QR, RD as asked
    answer[3] = 0x80 | 2; // RA, RCODE 2 (SERVFAIL)
    answer.writeUInt16BE(1, 4);
    answer.fill(0, 6, 12); // no answer, authority or additional records
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.teardown(() => socket.close());
  return socket.address().port;
}

interface Run {
  result: CheckResult;
  elapsedMs: number;
}

async function check(query: Record<string, unknown>, success_criteria: Record<string, RawCriterion> = {}): Promise<Run> {
  const valid = dnsProbe.validate({ query, success_criteria });
  if (!valid.ok) throw new Error(`unexpectedly invalid: ${JSON.stringify(valid.issues)}`);
  const timeoutMs = valid.timeout * 1000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('deadline')), timeoutMs);
  const started = performance.now();
  try {
    const result = await dnsProbe.check({ probe: 'test', options: valid.options, signal: controller.signal, timeoutMs, log: silentLogger });
    return { result, elapsedMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

test('each record type passes, answers rendered as text', async (t) => {
  const dns = await startDnsmasq(t);
  const server = `127.0.0.1:${dns.port}`;
  const cases: [string, string, string, string][] = [
    ['api.example', 'A', '10.0.0.6', '2 answers'],
    ['v6.example', 'AAAA', 'fd00::5', '1 answer'],
    ['alias.example', 'CNAME', 'api.example', '1 answer'],
    ['mx.example', 'MX', '10 mail.example', '1 answer'],
    // A record's strings are joined as they are, as SPF and DKIM readers join them.
    ['txt.example', 'TXT', 'part onepart two', '1 answer'],
    ['_http._tcp.example', 'SRV', '1 5 8080 web.example', '1 answer'],
  ];
  for (const [name, type, contains, count] of cases) {
    const { result } = await check({ name, type, server }, { has: { type: 'answer_contains', query: contains }, some: { type: 'min_answers', query: 1 } });
    t.deepEqual(result, { ok: true, reason: `${count} for ${name} ${type} from ${server}` });
  }
  // No criteria: at least one answer; the type defaults to A.
  t.deepEqual((await check({ name: 'api.example', server })).result, { ok: true, reason: `2 answers for api.example A from ${server}` });
});

test('a server on IPv6, written in brackets with its port', async (t) => {
  const dns = await startDnsmasq(t, '::1');
  const server = `[::1]:${dns.port}`;
  t.deepEqual((await check({ name: 'v6.example', type: 'AAAA', server })).result, { ok: true, reason: `1 answer for v6.example AAAA from ${server}` });
});

test('each criterion failing gives its exact reason', async (t) => {
  const dns = await startDnsmasq(t);
  const server = `127.0.0.1:${dns.port}`;
  t.deepEqual((await check({ name: 'api.example', server }, { has: { type: 'answer_contains', query: '10.0.0.9' } })).result, {
    ok: false,
    reason: 'no answer contains "10.0.0.9" (got 10.0.0.5, 10.0.0.6)',
  });
  t.deepEqual((await check({ name: 'api.example', server }, { many: { type: 'min_answers', query: 3 } })).result, {
    ok: false,
    reason: `2 answers for api.example A from ${server}, expected at least 3`,
  });
  t.deepEqual((await check({ name: 'api.example', server }, { gone: { type: 'rcode', query: 'NXDOMAIN' } })).result, {
    ok: false,
    reason: `NOERROR for api.example A from ${server}, expected NXDOMAIN`,
  });
  // The name exists, without a record of that type: NOERROR with no answer.
  t.deepEqual((await check({ name: 'api.example', type: 'MX', server })).result, { ok: false, reason: `0 answers for api.example MX from ${server}, expected at least 1` });
  t.deepEqual((await check({ name: 'api.example', type: 'MX', server }, { has: { type: 'answer_contains', query: 'mail' } })).result, {
    ok: false,
    reason: 'no answer contains "mail" (got none)',
  });
  t.deepEqual((await check({ name: 'api.example', type: 'MX', server }, { ok: { type: 'rcode', query: 'NOERROR' } })).result, {
    ok: true,
    reason: `0 answers for api.example MX from ${server}`,
  });
  // `pass`: any NOERROR will do.
  t.deepEqual((await check({ name: 'api.example', type: 'MX', server }, { up: { type: 'pass' } })).result, { ok: true, reason: `0 answers for api.example MX from ${server}` });
});

test('result codes: NXDOMAIN, REFUSED and SERVFAIL fail without an rcode criterion and pass with the matching one', async (t) => {
  const dns = await startDnsmasq(t);
  const server = `127.0.0.1:${dns.port}`;
  const servfail = `127.0.0.1:${await servfailServer(t)}`;
  for (const [name, at, rcode] of [
    ['nope.example', server, 'NXDOMAIN'],
    ['other.org', server, 'REFUSED'],
    ['any.example', servfail, 'SERVFAIL'],
  ] as const) {
    t.deepEqual((await check({ name, server: at })).result, { ok: false, reason: `${rcode} for ${name} A from ${at}` });
    t.deepEqual((await check({ name, server: at }, { code: { type: 'rcode', query: rcode } })).result, { ok: true, reason: `${rcode} for ${name} A from ${at}` });
  }
  t.deepEqual((await check({ name: 'nope.example', server }, { code: { type: 'rcode', query: 'REFUSED' } })).result, {
    ok: false,
    reason: `NXDOMAIN for nope.example A from ${server}, expected REFUSED`,
  });
});

test('a server that is down: ECONNREFUSED with its address, at once', async (t) => {
  const dns = await startDnsmasq(t);
  await dns.stop();
  const { result, elapsedMs } = await check({ name: 'api.example', server: `127.0.0.1:${dns.port}`, timeout: 5 });
  t.deepEqual(result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${dns.port}` });
  t.true(elapsedMs < 5000, `took ${Math.round(elapsedMs)} ms`);
});

test('a server that does not answer (stopped with SIGSTOP) fails at the deadline, not before', async (t) => {
  const dns = await startDnsmasq(t);
  dns.child.kill('SIGSTOP');
  t.teardown(() => void dns.child.kill('SIGCONT'));
  for (const timeout of [0.3, 1.5]) {
    const late = referenceTimer(timeout * 1000);
    const { result, elapsedMs } = await check({ name: 'api.example', server: `127.0.0.1:${dns.port}`, timeout });
    const lateMs = await late();
    t.deepEqual(result, { ok: false, reason: `timeout after ${timeout} s` });
    t.true(elapsedMs >= timeout * 1000 - 50 && elapsedMs < timeout * 1000 + lateMs + MARGIN_MS, `ended after ${Math.round(elapsedMs)} ms (a plain timer was ${Math.round(lateMs)} ms late)`);
  }
});

// Serial (ava runs serial tests before the others): no other test opens files meanwhile.
test.serial('nothing is left open: the process holds as many descriptors after answers, timeouts and refusals as before', async (t) => {
  const dns = await startDnsmasq(t);
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  t.teardown(() => silent.close());
  const descriptors = (): number => readdirSync('/proc/self/fd').length;
  const before = descriptors();
  for (let i = 0; i < 10; i++) {
    t.true((await check({ name: 'api.example', server: `127.0.0.1:${dns.port}` })).result.ok);
    t.false((await check({ name: 'nope.example', server: `127.0.0.1:${dns.port}` })).result.ok);
    t.deepEqual((await check({ name: 'api.example', server: `127.0.0.1:${silent.address().port}`, timeout: 0.05 })).result, { ok: false, reason: 'timeout after 0.05 s' });
  }
  // At most as many: a descriptor the test's own servers held can close meanwhile (a fresh-clone
  // run had 31 after for 32 before); a leak of 30 checks would show as more.
  const after = descriptors();
  t.true(after <= before, `${after} descriptors after the checks, ${before} before`);
});

test('config errors: every problem at once, worded like the config loader', (t) => {
  t.deepEqual(
    dnsProbe.validate({
      query: { name: 'bad name', type: 'PTR', server: 'dns.example', timout: 1 },
      success_criteria: { n: { type: 'min_answers', query: 1.5 }, c: { type: 'rcode', query: 'NOTIMP' }, s: { type: 'answer_contains', query: '' } },
    }),
    {
      ok: false,
      issues: [
        { path: ['query', 'name'], message: 'expected a domain name like api.example.com, got "bad name"' },
        { path: ['query', 'type'], message: 'expected one of A, AAAA, CNAME, MX, TXT, SRV, NS, got "PTR"' },
        { path: ['query', 'server'], message: 'expected an IP address with an optional port, like 10.0.0.53, 10.0.0.53:5353 or [fd00::53]:53, got "dns.example"' },
        { path: ['query', 'timout'], message: 'unknown key (did you mean "timeout"?); expected one of name, type, server, timeout' },
        { path: ['success_criteria', 'n', 'query'], message: 'expected a whole number of answers (0 or more), got 1.5' },
        { path: ['success_criteria', 'c', 'query'], message: 'expected one of NOERROR, NXDOMAIN, SERVFAIL, REFUSED, got "NOTIMP"' },
        { path: ['success_criteria', 's', 'query'], message: 'expected a text that some answer must contain, got ""' },
      ],
    },
  );
  t.deepEqual(
    dnsProbe.validate({ query: { name: 'gone.example' }, success_criteria: { code: { type: 'rcode', query: 'NXDOMAIN' }, n: { type: 'min_answers', query: 1 } } }),
    { ok: false, issues: [{ path: ['success_criteria', 'n'], message: 'expects answers, but rcode code expects NXDOMAIN, which has none' }] },
  );
  for (const server of ['10.0.0.53', '10.0.0.53:5353', 'fd00::53', '[fd00::53]', '[fd00::53]:53']) {
    t.true(dnsProbe.validate({ query: { name: 'a.example', server }, success_criteria: {} }).ok, server);
  }
  for (const server of ['10.0.0.53:0', '10.0.0.53:70000', 'fd00::5x', '[fd00::53]:x', '[10.0.0.53]:53', '']) {
    t.false(dnsProbe.validate({ query: { name: 'a.example', server }, success_criteria: {} }).ok, server);
  }
  t.deepEqual(dnsProbe.validate({ query: { name: 'a.example' }, success_criteria: {} }), { ok: true, timeout: 2, options: { query: { name: 'a.example', type: 'A', timeout: 2 }, criteria: [] } });
});
