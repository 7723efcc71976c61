import test, { type ExecutionContext } from 'ava';
import type net from 'node:net';
import tcpProbe from '../../probes/tcp_probe.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import type { CheckResult, RawCriterion } from '../../src/probe-api/types.ts';
import { checkInChild } from '../helpers/childCheck.ts';
import { closedPort } from '../helpers/httpServers.ts';
import { startTcpServer, type TcpServer } from '../helpers/tcpServers.ts';
import { makeTestCertificates, type Pem, type TestCertificates } from '../helpers/testCertificates.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { referenceTimer } from '../helpers/referenceTimer.ts';

/**
 * Real servers on 127.0.0.1 (node:net and node:tls), certificates made by openssl for this file,
 * no mocks. Deadlines are asserted with a generous upper bound (the deadline plus one second): the
 * point is "stops at the deadline", not "to the millisecond", on a machine with 2 shared cores.
 */
const MARGIN_MS = 1000;

let certs: TestCertificates;
let selfSigned: Pem;
let good: Pem;
let otherHost: Pem;
let expired: Pem;
const DAY = 24 * 3600 * 1000;

test.before(async () => {
  certs = await makeTestCertificates();
  selfSigned = await certs.selfSigned('self', { cn: '127.0.0.1', san: 'IP:127.0.0.1' });
  good = await certs.issue('good', { cn: 'db.example', san: 'DNS:db.example,IP:127.0.0.1' });
  otherHost = await certs.issue('other', { cn: 'other.example', san: 'DNS:other.example' });
  expired = await certs.issue('expired', { cn: 'db.example', san: 'DNS:db.example,IP:127.0.0.1', notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - 2 * DAY) });
});
test.after.always(() => certs?.remove());

async function serve(t: ExecutionContext, onConnection: (socket: net.Socket) => void, tls?: Pem): Promise<TcpServer> {
  const server = await startTcpServer(onConnection, tls ? { key: tls.key, cert: tls.cert } : undefined);
  t.teardown(() => server.close());
  return server;
}

function optionsOf(query: Record<string, unknown>, success_criteria: Record<string, RawCriterion> = {}) {
  const validation = tcpProbe.validate({ query, success_criteria });
  if (!validation.ok) throw new Error(`unexpectedly invalid: ${JSON.stringify(validation.issues)}`);
  return validation;
}

async function run(query: Record<string, unknown>, criteria: Record<string, RawCriterion> = {}, signal = new AbortController().signal): Promise<{ result: CheckResult; elapsedMs: number }> {
  const { options, timeout } = optionsOf(query, criteria);
  const started = performance.now();
  const result = await tcpProbe.check({ probe: 'test', options, signal, timeoutMs: timeout * 1000, log: silentLogger });
  return { result, elapsedMs: performance.now() - started };
}

const local = (port: number, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port, timeout: 5, ...extra });
const banner = (pattern: string): Record<string, RawCriterion> => ({ banner: { type: 're_search', query: pattern } });

// ------------------------------------------------------------------------------------------ plain TCP

test('passes once connected, says where and how fast, and closes its connection', async (t) => {
  const server = await serve(t, () => undefined);
  const { result } = await run(local(server.port), { up: { type: 'pass' } });
  t.true(result.ok);
  t.regex(result.reason, new RegExp(`^connected to 127\\.0\\.0\\.1:${server.port} in \\d+ ms$`));
  t.is(server.accepted, 1);
  await waitFor(() => server.open === 0, 5000, 'the probe to close its connection');
});

test('a closed port: ECONNREFUSED with host and port', async (t) => {
  const port = await closedPort();
  const { result } = await run(local(port));
  t.deepEqual(result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` });
});

test('an unknown host name: ENOTFOUND and the name', async (t) => {
  const { result } = await run({ host: 'no-such-host.invalid', port: 22, timeout: 5 });
  t.false(result.ok);
  t.regex(result.reason, /^(ENOTFOUND|EAI_AGAIN) no-such-host\.invalid/);
});

test('re_search: passes when the banner matches, and shows it escaped', async (t) => {
  const server = await serve(t, (socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
  const { result } = await run(local(server.port), banner('^SSH-2\\.0'));
  t.true(result.ok, result.reason);
  t.regex(result.reason, new RegExp(`^connected to 127\\.0\\.0\\.1:${server.port} in \\d+ ms, banner "SSH-2\\.0-OpenSSH_9\\.2p1 Debian-2\\\\r\\\\n"$`));
});

test('re_search: a banner that does not match, the server closing, fails with the banner as it came', async (t) => {
  const server = await serve(t, (socket) => socket.end('220 smtp ready\r\n'));
  const { result } = await run(local(server.port), banner('^SSH-2\\.0'));
  t.deepEqual(result, { ok: false, reason: 'banner does not match /^SSH-2\\.0/: "220 smtp ready\\r\\n"' });
});

test('re_search: nothing at all before the server closes is an empty banner', async (t) => {
  const server = await serve(t, (socket) => socket.end());
  const { result } = await run(local(server.port), banner('^SSH'));
  t.deepEqual(result, { ok: false, reason: 'banner does not match /^SSH/: ""' });
});

test('re_search: every pattern must match; the failing ones are named together', async (t) => {
  const server = await serve(t, (socket) => socket.end('+OK POP3 ready\r\n'));
  const { result } = await run(local(server.port), {
    ok: { type: 're_search', query: '^\\+OK' },
    imap: { type: 're_search', query: 'IMAP' },
    smtp: { type: 're_search', query: '(?i)esmtp' },
  });
  t.deepEqual(result, { ok: false, reason: 'banner does not match /IMAP/, /(?i)esmtp/: "+OK POP3 ready\\r\\n"' });
});

test('re_search: patterns are Python regular expressions ($ before a final newline, (?m), Unicode \\w)', async (t) => {
  const server = await serve(t, (socket) => socket.write('220-mail.example ESMTP\r\n220 ready, ünïcode\n'));
  const { result } = await run(local(server.port), {
    last: { type: 're_search', query: '(?m)^220 ready, \\w+$' },
    first: { type: 're_search', query: '\\A220-' },
  });
  t.true(result.ok, result.reason);
});

test('re_search: the banner may come in pieces; the check waits for the pattern', async (t) => {
  let write: ((text: string) => void) | undefined;
  const server = await serve(t, (socket) => {
    write = (text) => socket.write(text);
    socket.write('SSH-');
  });
  const pending = run(local(server.port), banner('^SSH-2\\.0-\\w+'));
  await waitFor(() => write, 5000, 'the probe to connect');
  write?.('2.0-OpenSSH\r\n');
  const { result } = await pending;
  t.true(result.ok, result.reason);
});

test('send: written first, then the answer is the banner (a Redis PING)', async (t) => {
  const received: string[] = [];
  const server = await serve(t, (socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      received.push(data);
      if (received.join('') === 'PING\r\n') socket.write('+PONG\r\n');
    });
  });
  const { result } = await run(local(server.port, { send: 'PING\r\n' }), banner('^\\+PONG\\r$'));
  t.true(result.ok, result.reason);
  t.is(received.join(''), 'PING\r\n');
});

test('send without re_search: the string reaches the server before the probe closes', async (t) => {
  let received = '';
  const server = await serve(t, (socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (received += data));
  });
  const { result } = await run(local(server.port, { send: 'QUIT\r\n' }));
  t.true(result.ok, result.reason);
  await waitFor(() => received === 'QUIT\r\n', 5000, 'QUIT at the server');
  await waitFor(() => server.open === 0, 5000, 'the probe to close its connection');
});

test('re_search: only the first 4 KB are read; a server that keeps talking is judged on them, before the deadline', async (t) => {
  const server = await serve(t, (socket) => socket.write(`${'x'.repeat(4096)}needle${'y'.repeat(4000)}`));
  const { result, elapsedMs } = await run(local(server.port, { timeout: 10 }), banner('needle'));
  t.false(result.ok);
  t.is(result.reason, `banner does not match /needle/: "${'x'.repeat(60)}…"`);
  t.true(elapsedMs < 10_000, `took ${Math.round(elapsedMs)} ms`);
});

test('reasons stay one short line whatever the server sends: control bytes escaped, the banner cut at 60 characters', async (t) => {
  const server = await serve(t, (socket) => socket.end(Buffer.concat([Buffer.from([0, 1, 0x1b, 0xff]), Buffer.from('"quoted" \\ line\u2028next\n'), Buffer.from('z'.repeat(80))])));
  const { result } = await run(local(server.port), banner('^SSH'));
  t.false(result.ok);
  t.is(result.reason, `banner does not match /^SSH/: "\\x00\\x01\\x1b\uFFFD\\"quoted\\" \\\\ line\\u{2028}next\\n${'z'.repeat(35)}…"`);
  t.notRegex(result.reason, /[\n\r\u2028]/);
});

// ------------------------------------------------------------------------------------------ deadlines

test('a silent server with a re_search: timeout at the deadline, exactly worded, and the connection closed', async (t) => {
  const server = await serve(t, () => undefined);
  const late = referenceTimer(1000);
  const { result, elapsedMs } = await run(local(server.port, { timeout: 1 }), banner('^SSH'));
  const lateMs = await late();
  t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
  t.true(elapsedMs >= 900 && elapsedMs < 1000 + lateMs + MARGIN_MS, `took ${Math.round(elapsedMs)} ms (a plain timer was ${Math.round(lateMs)} ms late)`);
  await waitFor(() => server.open === 0, 5000, 'the probe to close its connection');
});

test('a banner that has not matched by the deadline is a timeout (the server has not said its last word)', async (t) => {
  const server = await serve(t, (socket) => socket.write('220 smtp ready\r\n'));
  const { result } = await run(local(server.port, { timeout: 1 }), banner('^SSH'));
  t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
});

test('the watcher\'s signal ends the check at once, with the deadline\'s reason', async (t) => {
  const server = await serve(t, () => undefined);
  const controller = new AbortController();
  const pending = run(local(server.port, { timeout: 30 }), banner('^SSH'), controller.signal);
  await waitFor(() => server.accepted === 1, 5000, 'the probe to connect');
  controller.abort(new Error('deadline'));
  const { result, elapsedMs } = await pending;
  t.deepEqual(result, { ok: false, reason: 'timeout after 30 s' });
  t.true(elapsedMs < 5000 + MARGIN_MS, `took ${Math.round(elapsedMs)} ms`);
  await waitFor(() => server.open === 0, 5000, 'the probe to close its connection');
});

test('a signal already fired: no connection is even tried', async (t) => {
  const server = await serve(t, () => undefined);
  const controller = new AbortController();
  controller.abort();
  const { result } = await run(local(server.port, { timeout: 2 }), {}, controller.signal);
  t.deepEqual(result, { ok: false, reason: 'timeout after 2 s' });
  t.is(server.accepted, 0);
});

test('TLS with a server that accepts and never handshakes: timeout', async (t) => {
  const server = await serve(t, () => undefined);
  const { result } = await run(local(server.port, { tls: true, timeout: 1 }));
  t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
});

// ------------------------------------------------------------------------------------------ TLS

test('TLS: a self-signed certificate is refused, worded like url_probe', async (t) => {
  const server = await serve(t, () => undefined, selfSigned);
  const { result } = await run(local(server.port, { tls: true }));
  t.deepEqual(result, { ok: false, reason: `DEPTH_ZERO_SELF_SIGNED_CERT 127.0.0.1:${server.port}: self-signed certificate` });
});

test('TLS: insecure: True accepts it; the reason names the protocol; re_search reads the banner through TLS', async (t) => {
  const server = await serve(t, (socket) => socket.write('* OK IMAP4rev1 ready\r\n'), selfSigned);
  const { result } = await run(local(server.port, { tls: true, insecure: true }), banner('^\\* OK'));
  t.true(result.ok, result.reason);
  t.regex(result.reason, new RegExp(`^connected to 127\\.0\\.0\\.1:${server.port} in \\d+ ms \\(TLSv1\\.3\\), banner "\\* OK IMAP4rev1 ready\\\\r\\\\n"$`));
});

test('TLS: a server that does not speak TLS gives a one-line reason', async (t) => {
  const server = await serve(t, (socket) => socket.write('SSH-2.0-OpenSSH_9.2p1\r\n'));
  const { result } = await run(local(server.port, { tls: true }));
  t.deepEqual(result, { ok: false, reason: `ERR_SSL_WRONG_VERSION_NUMBER 127.0.0.1:${server.port}: wrong version number` });
});

test('TLS: an unknown CA is refused', async (t) => {
  const server = await serve(t, () => undefined, good);
  const { result } = await run(local(server.port, { tls: true, servername: 'db.example' }));
  t.deepEqual(result, { ok: false, reason: `UNABLE_TO_VERIFY_LEAF_SIGNATURE 127.0.0.1:${server.port}: unable to verify the first certificate` });
});

// A process started with NODE_EXTRA_CA_CERTS trusts the test CA, as an operator's internal CA would be;
// the child also reports what the check left open.
const trustCa = () => ({ NODE_EXTRA_CA_CERTS: certs.ca.certFile });

test('TLS verified (a trusted CA, SNI from servername): passes, reads the banner, leaves nothing open', async (t) => {
  let sni: string | false | undefined;
  const server = await serve(t, (socket) => {
    sni = (socket as unknown as { servername?: string | false }).servername;
    socket.write('+OK ready\r\n');
  }, good);
  const { result, leftOpen } = await checkInChild('tcp_probe', { query: local(server.port, { tls: true, servername: 'db.example' }), success_criteria: banner('^\\+OK') }, trustCa());
  t.true(result.ok, result.reason);
  t.is(sni, 'db.example');
  t.deepEqual(leftOpen, []);
});

test('TLS verified: a certificate for another host name is refused', async (t) => {
  const server = await serve(t, () => undefined, otherHost);
  const { result, leftOpen } = await checkInChild('tcp_probe', { query: local(server.port, { tls: true, servername: 'db.example' }), success_criteria: {} }, trustCa());
  t.deepEqual(result, {
    ok: false,
    reason: `ERR_TLS_CERT_ALTNAME_INVALID 127.0.0.1:${server.port}: Hostname/IP does not match certificate's altnames: Host: db.example. is not in the cert's altnames: DNS:other.example`,
  });
  t.deepEqual(leftOpen, []);
});

test('TLS verified: an expired certificate is refused', async (t) => {
  const server = await serve(t, () => undefined, expired);
  const { result } = await checkInChild('tcp_probe', { query: local(server.port, { tls: true }), success_criteria: {} }, trustCa());
  t.deepEqual(result, { ok: false, reason: `CERT_HAS_EXPIRED 127.0.0.1:${server.port}: certificate has expired` });
});

test('nothing is left open after a deadline or a refused connection either', async (t) => {
  const silent = await serve(t, () => undefined);
  const timedOut = await checkInChild('tcp_probe', { query: local(silent.port, { timeout: 1 }), success_criteria: banner('^SSH') });
  t.deepEqual(timedOut, { result: { ok: false, reason: 'timeout after 1 s' }, leftOpen: [] });
  const port = await closedPort();
  const refused = await checkInChild('tcp_probe', { query: local(port, { timeout: 5 }), success_criteria: {} });
  t.deepEqual(refused, { result: { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` }, leftOpen: [] });
});

// ------------------------------------------------------------------------------------------ options

test('defaults: timeout 5 s, no TLS; the deadline is the timeout', (t) => {
  const validation = optionsOf({ host: 'db', port: 5432 });
  t.is(validation.timeout, 5);
  t.deepEqual(validation.options.query, { host: 'db', port: 5432, timeout: 5, tls: false, insecure: false });
});

test('every problem at once, worded like any config error', (t) => {
  const result = tcpProbe.validate({
    query: { host: '', port: 70000, timeout: 0, tls: 'yes', send: 5, timout: 2 },
    success_criteria: { banner: { type: 're_search', query: 42 }, empty: { type: 're_search', query: '' } },
  });
  t.false(result.ok);
  t.deepEqual(!result.ok && result.issues, [
    { path: ['query', 'host'], message: 'expected a host name or address, got ""' },
    { path: ['query', 'port'], message: 'expected a port number (1-65535), got 70000' },
    { path: ['query', 'timeout'], message: 'expected a number of seconds from 0.001 to 3600 (1 h), got 0' },
    { path: ['query', 'tls'], message: 'expected True or False, got "yes"' },
    { path: ['query', 'send'], message: 'expected a string (quote it in YAML), got 5' },
    { path: ['query', 'timout'], message: 'unknown key (did you mean "timeout"?); expected one of host, port, timeout, tls, insecure, servername, send' },
    { path: ['success_criteria', 'banner', 'query'], message: 'expected a regular expression, got 42' },
    { path: ['success_criteria', 'empty', 'query'], message: 'expected a regular expression, got ""' },
  ]);
});

test('re_search patterns are checked as Python checks them, at load', (t) => {
  const result = tcpProbe.validate({
    query: { host: 'db', port: 22 },
    success_criteria: { bad: { type: 're_search', query: 'SSH-(2' }, js: { type: 're_search', query: '(?<v>SSH)' }, partial: { type: 're_search', query: '(?i:ssh)-2' } },
  });
  t.false(result.ok);
  const issues = !result.ok ? result.issues : [];
  t.deepEqual(issues.map((i) => i.path.join('.')), ['success_criteria.bad.query', 'success_criteria.js.query', 'success_criteria.partial.query']);
  t.is(issues[0]?.message, 'expected a Python regular expression (missing ), unterminated subpattern at position 4), got "SSH-(2"');
  t.regex(issues[1]?.message ?? '', /^expected a Python regular expression \(unknown extension \?<v at position 1\), got "\(\?<v>SSH\)"$/);
  t.regex(issues[2]?.message ?? '', /^expected a Python regular expression DeadPool can run \(this one uses \(\?i:…\) to change case-insensitive matching/);
});

test('insecure and servername only make sense with tls: True', (t) => {
  const result = tcpProbe.validate({ query: { host: 'db', port: 22, insecure: true, servername: 'db.example' }, success_criteria: {} });
  t.deepEqual(result, {
    ok: false,
    issues: [
      { path: ['query', 'insecure'], message: 'expected only with tls: True (it concerns the TLS handshake)' },
      { path: ['query', 'servername'], message: 'expected only with tls: True (it concerns the TLS handshake)' },
    ],
  });
});
