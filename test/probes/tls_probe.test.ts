import test, { type ExecutionContext } from 'ava';
import tlsProbe from '../../probes/tls_probe.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import type { CheckResult, RawCriterion } from '../../src/probe-api/types.ts';
import { checkInChild } from '../helpers/childCheck.ts';
import { closedPort } from '../helpers/httpServers.ts';
import { startTcpServer, type TcpServer } from '../helpers/tcpServers.ts';
import { makeTestCertificates, type Pem, type TestCertificates } from '../helpers/testCertificates.ts';

/**
 * Real TLS servers on 127.0.0.1 with certificates made by openssl for this file, no mocks. A check
 * whose certificate must verify runs in a child process started with NODE_EXTRA_CA_CERTS naming the
 * test CA, as an operator trusts an internal CA; the child also reports what the check left open.
 */
const DAY = 24 * 3600 * 1000;
/** An hour past whole days, so "3 days left" stays 3 days while the tests run. */
const HOUR = 3600 * 1000;

let certs: TestCertificates;
let good: Pem;
let expiring: Pem;
let expiringEnd: Date;
let expired: Pem;
let otherHost: Pem;
let selfSigned: Pem;

test.before(async () => {
  certs = await makeTestCertificates();
  good = await certs.issue('good', { cn: 'db.example', san: 'DNS:db.example,IP:127.0.0.1', notAfter: new Date(Date.now() + 90 * DAY + HOUR) });
  expiringEnd = new Date(Date.now() + 3 * DAY + HOUR);
  expiring = await certs.issue('expiring', { cn: 'db.example', san: 'DNS:db.example,IP:127.0.0.1', notAfter: expiringEnd });
  expired = await certs.issue('expired', { cn: 'old.example', san: 'DNS:old.example,IP:127.0.0.1', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date(Date.now() - 2 * DAY - HOUR) });
  otherHost = await certs.issue('other', { cn: 'other.example', san: 'DNS:other.example', notAfter: new Date(Date.now() + 90 * DAY + HOUR) });
  selfSigned = await certs.selfSigned('self', { cn: 'db.example', san: 'DNS:db.example,IP:127.0.0.1' });
});
test.after.always(() => certs?.remove());

/** A TLS server presenting `pem`; it records the SNI name of each client that sent one, as its hello arrives. */
async function serve(t: ExecutionContext, pem: Pem): Promise<TcpServer & { sni: string[] }> {
  const sni: string[] = [];
  const SNICallback = (name: string, done: (error: Error | null) => void): void => {
    sni.push(name);
    done(null);
  };
  const server = await startTcpServer(() => undefined, { key: pem.key, cert: pem.cert, SNICallback });
  t.teardown(() => server.close());
  return Object.assign(server, { sni });
}

async function run(query: Record<string, unknown>, criteria: Record<string, RawCriterion> = {}): Promise<CheckResult> {
  const validation = tlsProbe.validate({ query, success_criteria: criteria });
  if (!validation.ok) throw new Error(`unexpectedly invalid: ${JSON.stringify(validation.issues)}`);
  return tlsProbe.check({ probe: 'test', options: validation.options, signal: new AbortController().signal, timeoutMs: validation.timeout * 1000, log: silentLogger });
}

const trustCa = () => ({ NODE_EXTRA_CA_CERTS: certs.ca.certFile });
const local = (port: number, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port, ...extra });
const isoDate = (date: Date): string => date.toISOString().slice(0, 10);

// --------------------------------------------------------------------------------- the default criteria

test('no criteria: a verified certificate for the host with 90 days left passes; SNI is the servername; nothing left open', async (t) => {
  const server = await serve(t, good);
  const { result, leftOpen } = await checkInChild('tls_probe', { query: local(server.port, { servername: 'db.example' }), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: true, reason: 'certificate for db.example valid, 90 days left' });
  t.deepEqual(server.sni, ['db.example']);
  t.deepEqual(leftOpen, []);
});

test('no criteria: 3 days left fails the default minimum of 14, with the date', async (t) => {
  const server = await serve(t, expiring);
  const { result } = await checkInChild('tls_probe', { query: local(server.port, { servername: 'db.example' }), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: false, reason: `certificate for db.example expires in 3 days (${isoDate(expiringEnd)}), below 14` });
});

test('no criteria: an expired certificate says when, and that it is not valid', async (t) => {
  const server = await serve(t, expired);
  const { result } = await checkInChild('tls_probe', { query: local(server.port), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: false, reason: `certificate for old.example expired 2 days ago (${isoDate(new Date(Date.now() - 2 * DAY - HOUR))}); certificate not valid: certificate has expired` });
});

test('no criteria: a certificate for another host name', async (t) => {
  const server = await serve(t, otherHost);
  const { result, leftOpen } = await checkInChild('tls_probe', { query: local(server.port, { servername: 'db.example' }), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: false, reason: 'certificate for other.example does not match host db.example' });
  t.deepEqual(leftOpen, []);
});

test('no criteria: a self-signed certificate is read anyway, and judged not valid', async (t) => {
  const server = await serve(t, selfSigned);
  t.deepEqual(await run(local(server.port, { servername: 'db.example' })), { ok: false, reason: 'certificate not valid: self-signed certificate' });
});

test('a CA this process does not trust: not valid, in OpenSSL\'s words', async (t) => {
  const server = await serve(t, good);
  t.deepEqual(await run(local(server.port, { servername: 'db.example' })), { ok: false, reason: 'certificate not valid: unable to verify the first certificate' });
});

test('an IP address as host: no SNI is sent, and the certificate must name the address', async (t) => {
  const server = await serve(t, good);
  const { result } = await checkInChild('tls_probe', { query: local(server.port), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: true, reason: 'certificate for db.example valid, 90 days left' });
  t.deepEqual(server.sni, [], 'no SNI sent');
  const other = await serve(t, otherHost);
  const { result: mismatch } = await checkInChild('tls_probe', { query: local(other.port), success_criteria: {} }, trustCa());
  t.deepEqual(mismatch, { ok: false, reason: 'certificate for other.example does not match host 127.0.0.1' });
});

// --------------------------------------------------------------------------------- chosen criteria

test('expires_in_days_min alone: only days are judged (whole days, compared exactly), whoever signed the certificate', async (t) => {
  const server = await serve(t, selfSigned);
  t.deepEqual(await run(local(server.port), { days: { type: 'expires_in_days_min', query: 30 } }), { ok: true, reason: 'certificate for db.example: 89 days left' });
  t.deepEqual(await run(local(server.port), { days: { type: 'expires_in_days_min', query: 90 } }), {
    ok: false,
    reason: `certificate for db.example expires in 89 days (${isoDate(new Date(Date.now() + 90 * DAY))}), below 90`,
  });
  const soon = await serve(t, expiring);
  t.deepEqual(await run(local(soon.port), { days: { type: 'expires_in_days_min', query: 3 } }), { ok: true, reason: 'certificate for db.example: 3 days left' });
  t.deepEqual(await run(local(soon.port), { days: { type: 'expires_in_days_min', query: 7 } }), { ok: false, reason: `certificate for db.example expires in 3 days (${isoDate(expiringEnd)}), below 7` });
});

test('valid alone: a certificate about to expire still passes', async (t) => {
  const server = await serve(t, expiring);
  const { result } = await checkInChild('tls_probe', { query: local(server.port, { servername: 'db.example' }), success_criteria: { trusted: { type: 'valid' } } }, trustCa());
  t.deepEqual(result, { ok: true, reason: 'certificate for db.example valid, 3 days left' });
});

test('every failing criterion is named, in config order', async (t) => {
  const server = await serve(t, selfSigned);
  const result = await run(local(server.port, { servername: 'www.example' }), { trusted: { type: 'valid' }, days: { type: 'expires_in_days_min', query: 100 } });
  t.deepEqual(result, {
    ok: false,
    reason: `certificate not valid: self-signed certificate; certificate for db.example does not match host www.example; certificate for db.example expires in 89 days (${isoDate(new Date(Date.now() + 90 * DAY))}), below 100`,
  });
});

// --------------------------------------------------------------------------------- failures to connect

test('a closed port: ECONNREFUSED with host and port', async (t) => {
  const port = await closedPort();
  t.deepEqual(await run(local(port)), { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` });
});

test('a server that does not speak TLS: a one-line reason', async (t) => {
  const server = await startTcpServer((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1\r\n'));
  t.teardown(() => server.close());
  t.deepEqual(await run(local(server.port)), { ok: false, reason: `ERR_SSL_WRONG_VERSION_NUMBER 127.0.0.1:${server.port}: wrong version number` });
});

test('a server that closes before the handshake', async (t) => {
  const server = await startTcpServer((socket) => socket.end());
  t.teardown(() => server.close());
  t.deepEqual(await run(local(server.port)), { ok: false, reason: `ECONNRESET 127.0.0.1:${server.port}: Client network socket disconnected before secure TLS connection was established` });
});

test('a server that never handshakes: timeout at the deadline, nothing left open', async (t) => {
  const server = await startTcpServer(() => undefined);
  t.teardown(() => server.close());
  const started = performance.now();
  const { result, leftOpen } = await checkInChild('tls_probe', { query: local(server.port, { timeout: 1 }), success_criteria: {} });
  t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
  t.deepEqual(leftOpen, []);
  t.true(performance.now() - started >= 1000);
});

// --------------------------------------------------------------------------------- options

test('defaults: port 443, timeout 5 s; with no criteria the check applies expires_in_days_min 14 and valid', (t) => {
  const validation = tlsProbe.validate({ query: { host: 'db.example' }, success_criteria: {} });
  t.deepEqual(validation, { ok: true, timeout: 5, options: { query: { host: 'db.example', port: 443, timeout: 5 }, criteria: [] } });
  t.deepEqual(tlsProbe.criteria, ['expires_in_days_min', 'valid']);
});

test('every problem at once, worded like any config error', (t) => {
  const result = tlsProbe.validate({
    query: { port: 'https', servername: '', timeout: 7200, sevrername: 'x' },
    success_criteria: { days: { type: 'expires_in_days_min', query: -1 }, soon: { type: 'expires_in_days_min', query: '14' }, none: { type: 'expires_in_days_min' } },
  });
  t.deepEqual(result, {
    ok: false,
    issues: [
      { path: ['query', 'host'], message: 'missing, expected a host name or address' },
      { path: ['query', 'port'], message: 'expected a port number (1-65535), got "https"' },
      { path: ['query', 'servername'], message: 'expected a host name, got ""' },
      { path: ['query', 'timeout'], message: 'expected a number of seconds from 0.001 to 3600 (1 h), got 7200' },
      { path: ['query', 'sevrername'], message: 'unknown key (did you mean "servername"?); expected one of host, port, servername, timeout' },
      { path: ['success_criteria', 'days', 'query'], message: 'expected a number of days (0 or more), got -1' },
      { path: ['success_criteria', 'soon', 'query'], message: 'expected a number of days (0 or more), got "14"' },
      { path: ['success_criteria', 'none', 'query'], message: 'missing, expected a number of days (0 or more)' },
    ],
  });
});
