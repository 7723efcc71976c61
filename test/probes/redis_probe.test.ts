import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { createClient } from 'redis';
import redisProbe from '../../probes/redis_probe.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import type { CheckResult, RawCriterion } from '../../src/probe-api/types.ts';
import { startRealServer, type RealServer } from '../helpers/realServer.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { referenceTimer } from '../helpers/referenceTimer.ts';

/**
 * Against real redis-server 7 processes started here, on 127.0.0.1 high ports, in temp folders;
 * no mocks. Each test has servers of its own, so a count of clients on one is the test's alone.
 */
const PASSWORD = 'redis-test-secret-77';
const MARGIN_MS = 1000;

function startRedis(t: ExecutionContext, extra: (port: number) => string[] = () => []): Promise<RealServer> {
  return startRealServer(t, 'redis-server', (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra(port)], /Ready to accept connections/);
}

interface Run {
  result: CheckResult;
  elapsedMs: number;
  records: LogRecord[];
}

/** Validates and checks once, with the deadline the options give, as the watcher would. */
async function check(query: Record<string, unknown>, success_criteria: Record<string, RawCriterion> = {}): Promise<Run> {
  const valid = redisProbe.validate({ query, success_criteria });
  if (!valid.ok) throw new Error(`unexpectedly invalid: ${JSON.stringify(valid.issues)}`);
  const timeoutMs = valid.timeout * 1000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('deadline')), timeoutMs);
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(record) => void records.push(record)], fields: {} });
  const started = performance.now();
  try {
    const result = await redisProbe.check({ probe: 'test', options: valid.options, signal: controller.signal, timeoutMs, log });
    return { result, elapsedMs: performance.now() - started, records };
  } finally {
    clearTimeout(timer);
  }
}

/** One command through a client of the test's own, closed afterwards. */
async function command(port: number, args: string[], password?: string): Promise<string> {
  const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: false }, ...(password ? { password } : {}) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return String(await client.sendCommand(args));
  } finally {
    client.destroy();
  }
}

/** Clients connected to the server, the asking one included. */
async function clientCount(port: number, password?: string): Promise<number> {
  return (await command(port, ['CLIENT', 'LIST'], password)).trim().split('\n').length;
}

test('a live server passes: PONG, with the time it took', async (t) => {
  const redis = await startRedis(t);
  const { result } = await check({ port: redis.port });
  t.true(result.ok);
  t.regex(result.reason, /^PONG in \d+ ms$/);
  const reachable = await check({ port: redis.port }, { up: { type: 'pass' } });
  t.true(reachable.result.ok);
  t.regex(reachable.result.reason, /^PONG in \d+ ms$/);
});

test('the password from the value, a file or the environment, a user name, and url with password and db all pass; the password shows nowhere', async (t) => {
  const redis = await startRedis(t, () => ['--requirepass', PASSWORD]);
  const file = path.join(redis.dir, 'password');
  await writeFile(file, `${PASSWORD}\n`);
  process.env['DEADPOOL_TEST_REDIS_PASSWORD'] = PASSWORD;
  t.teardown(() => delete process.env['DEADPOOL_TEST_REDIS_PASSWORD']);
  for (const query of [
    { port: redis.port, password: PASSWORD },
    { port: redis.port, password_file: file },
    { port: redis.port, password_env: 'DEADPOOL_TEST_REDIS_PASSWORD' },
    { port: redis.port, username: 'default', password: PASSWORD, db: 3 },
    { url: `redis://:${PASSWORD}@127.0.0.1:${redis.port}/2` },
    { url: `redis://127.0.0.1:${redis.port}/2`, password: PASSWORD },
  ]) {
    const { result, records } = await check(query);
    t.true(result.ok, `${JSON.stringify(result)} for ${Object.keys(query).join(', ')}`);
    t.notRegex(JSON.stringify(records), new RegExp(PASSWORD));
  }
});

test('a wrong password, no password, or an unreadable password file fail with the reason, never the password', async (t) => {
  const redis = await startRedis(t, () => ['--requirepass', PASSWORD]);
  const wrong = await check({ port: redis.port, password: 'not-the-password-13' });
  t.deepEqual(wrong.result, { ok: false, reason: 'WRONGPASS invalid username-password pair or user is disabled' });
  t.notRegex(JSON.stringify(wrong.records), /not-the-password-13/);
  t.deepEqual((await check({ port: redis.port })).result, { ok: false, reason: 'NOAUTH authentication required' });
  const missing = path.join(redis.dir, 'nope');
  t.deepEqual((await check({ port: redis.port, password_file: missing })).result, { ok: false, reason: `password_file: cannot read ${missing} (ENOENT)` });
  t.deepEqual((await check({ port: redis.port, password_env: 'DEADPOOL_TEST_UNSET_VARIABLE' })).result, {
    ok: false,
    reason: 'password_env: the environment variable DEADPOOL_TEST_UNSET_VARIABLE is not set',
  });
  // Every failed attempt closed its connection too.
  await waitFor(async () => (await clientCount(redis.port, PASSWORD)) === 1, 10000, 'only the counting client left');
  t.pass();
});

test('role and info criteria, on a primary and its replica: each failing one with its exact reason', async (t) => {
  const primary = await startRedis(t);
  const replica = await startRedis(t, () => ['--replicaof', '127.0.0.1', String(primary.port)]);
  // The replica's link comes up on its own schedule: wait for it, boundedly.
  await waitFor(async () => (await command(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'), 20000, 'the replica to sync');

  t.deepEqual((await check({ port: primary.port }, { r: { type: 'role', query: 'master' } })).result.ok, true);
  t.deepEqual((await check({ port: replica.port }, { r: { type: 'role', query: 'replica' }, link: { type: 'info', query: { master_link_status: 'up', master_port: primary.port } } })).result.ok, true);
  // A number in YAML is compared as text.
  t.true((await check({ port: primary.port }, { n: { type: 'info', query: { connected_slaves: 1, role: 'master' } } })).result.ok);

  t.deepEqual((await check({ port: primary.port }, { r: { type: 'role', query: 'replica' } })).result, { ok: false, reason: 'role is master, expected replica' });
  t.deepEqual((await check({ port: replica.port }, { r: { type: 'role', query: 'master' } })).result, { ok: false, reason: 'role is replica, expected master' });
  t.deepEqual((await check({ port: replica.port }, { link: { type: 'info', query: { master_link_status: 'down' } } })).result, {
    ok: false,
    reason: 'info master_link_status is up, expected down',
  });
  t.deepEqual((await check({ port: primary.port }, { n: { type: 'info', query: { connected_slaves: 2, no_such_field: 'x' } } })).result, {
    ok: false,
    reason: 'info connected_slaves is 1, expected 2; info no_such_field is not in INFO, expected x',
  });

  // The primary goes away: the replica's link goes down, and the criterion says so.
  await primary.stop();
  await waitFor(async () => (await command(replica.port, ['INFO', 'replication'])).includes('master_link_status:down'), 20000, 'the link to go down');
  t.deepEqual((await check({ port: replica.port }, { link: { type: 'info', query: { master_link_status: 'up' } } })).result, {
    ok: false,
    reason: 'info master_link_status is down, expected up',
  });
});

test('a server that is down: ECONNREFUSED with host and port, at once', async (t) => {
  const redis = await startRedis(t);
  await redis.stop();
  const { result, elapsedMs } = await check({ host: '127.0.0.1', port: redis.port, timeout: 5 });
  t.deepEqual(result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${redis.port}` });
  t.true(elapsedMs < 5000, `took ${Math.round(elapsedMs)} ms`);
  t.deepEqual((await check({ url: `redis://127.0.0.1:${redis.port}` })).result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${redis.port}` });
});

test('a server that hangs (stopped with SIGSTOP: the kernel still accepts) fails at the deadline, and the connection is gone once it wakes', async (t) => {
  const redis = await startRedis(t);
  redis.child.kill('SIGSTOP');
  t.teardown(() => void redis.child.kill('SIGCONT'));
  const late = referenceTimer(1000);
  const { result, elapsedMs } = await check({ port: redis.port, timeout: 1 }, { r: { type: 'role', query: 'master' } });
  const lateMs = await late();
  t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
  t.true(elapsedMs >= 950 && elapsedMs < 1000 + lateMs + MARGIN_MS, `ended after ${Math.round(elapsedMs)} ms (a plain timer was ${Math.round(lateMs)} ms late)`);
  redis.child.kill('SIGCONT');
  await waitFor(async () => (await clientCount(redis.port)) === 1, 10000, 'only the counting client left');
  t.pass();
});

test('no connection is left on the server after passing and failing checks', async (t) => {
  const redis = await startRedis(t);
  for (let i = 0; i < 5; i++) {
    t.true((await check({ port: redis.port }, { r: { type: 'role', query: 'master' } })).result.ok);
    t.false((await check({ port: redis.port }, { r: { type: 'role', query: 'replica' } })).result.ok);
  }
  // The server notices a closed socket on its next event loop turn: a bounded wait, not a sleep.
  await waitFor(async () => (await clientCount(redis.port)) === 1, 10000, 'only the counting client left');
  t.is(await clientCount(redis.port), 1);
});

test('TLS (rediss:// or tls: True): the certificate is verified, insecure: True accepts a self-signed one', async (t) => {
  const redis = await startRealServer(
    t,
    'redis-server',
    (port, dir) => ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', path.join(dir, 'cert.pem'), '--tls-key-file', path.join(dir, 'key.pem'), '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir],
    /Ready to accept connections/,
    15000,
    async (dir) => {
      await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost']);
    },
  );
  const untrusted = { ok: false, reason: `DEPTH_ZERO_SELF_SIGNED_CERT 127.0.0.1:${redis.port}: self-signed certificate` };
  t.deepEqual((await check({ url: `rediss://127.0.0.1:${redis.port}` })).result, untrusted);
  t.deepEqual((await check({ port: redis.port, tls: true })).result, untrusted);
  for (const query of [{ url: `rediss://127.0.0.1:${redis.port}`, insecure: true }, { port: redis.port, tls: true, insecure: true }]) {
    const { result } = await check(query, { r: { type: 'role', query: 'master' } });
    t.true(result.ok, JSON.stringify(result));
  }
  t.deepEqual(redisProbe.validate({ query: { port: redis.port, insecure: true }, success_criteria: {} }), {
    ok: false,
    issues: [{ path: ['query', 'insecure'], message: 'expected only with TLS (tls: True or a rediss:// url): there is no certificate to accept' }],
  });
});

test('config errors: url and host/port/db are exclusive; a bad url is not shown (it may hold a password); every problem at once', (t) => {
  t.deepEqual(redisProbe.validate({ query: { url: 'redis://127.0.0.1:6379', host: 'db', db: 1 }, success_criteria: {} }), {
    ok: false,
    issues: [
      { path: ['query', 'host'], message: 'expected either url or host/port/db/tls, not both (give the whole address in url; rediss:// is TLS)' },
      { path: ['query', 'db'], message: 'expected either url or host/port/db/tls, not both (give the whole address in url; rediss:// is TLS)' },
    ],
  });
  const bad = redisProbe.validate({
    query: { url: 'http://:hunter22@db', port: 0, timout: 1 },
    success_criteria: { r: { type: 'role', query: 'slave' }, i: { type: 'info', query: ['up'] } },
  });
  t.deepEqual(bad, {
    ok: false,
    issues: [
      { path: ['query', 'url'], message: 'expected a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db]) (the value is a secret: not shown)' },
      { path: ['query', 'port'], message: 'expected a port number (1-65535), got 0' },
      { path: ['query', 'timout'], message: 'unknown key (did you mean "timeout"?); expected one of url, host, port, db, username, password, password_file, password_env, tls, insecure, timeout' },
      { path: ['success_criteria', 'r', 'query'], message: 'expected master or replica, got "slave"' },
      { path: ['success_criteria', 'i', 'query'], message: 'expected a map of INFO fields to values, like { master_link_status: up }, got a list' },
    ],
  });
  t.deepEqual(redisProbe.validate({ query: {}, success_criteria: {} }), { ok: true, timeout: 5, options: { query: { timeout: 5 }, criteria: [] } });
});
