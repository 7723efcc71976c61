/**
 * redis_probe: one fresh connection per check, `PING` must answer `PONG`; optional criteria on
 * `INFO` (the server's `role`, any INFO field).
 *
 * Choices, and why:
 * - A fresh client per check, destroyed on every path (deadline included): a dead or restarted
 *   server is seen on the next check, and no connection lingers on the server between checks.
 * - No reconnects and no offline queue: a lost connection fails the check, it is not retried inside it.
 * - `url` or `host`/`port`/`db`, not both: two places for the same setting would have to be ranked.
 *   The password may come from `password`, `password_file` or `password_env` (read at every check,
 *   so a rotated password is used at once) with either form. A password inside `url` is allowed
 *   too, which is why `url` is a secret: a config error about it never shows it.
 * - TLS (`rediss://` or `tls: True`) verifies the server's certificate against the system's CAs
 *   (and NODE_EXTRA_CA_CERTS); `insecure: True` accepts any, like url_probe's.
 * - `role` is Redis's `role:` line of `INFO replication`, where a replica says `slave`: the
 *   criterion speaks `replica` and accepts both.
 * - `info` compares INFO fields as text: a YAML `0` and Redis's `0` are the same value.
 * - Server errors are quoted by their first line (`WRONGPASS invalid username-password pair…`):
 *   Redis never echoes the password in them.
 */
import { createClient, ErrorReply } from 'redis';
import { z } from 'zod';
import { defineProbe } from '../src/probe-api/defineProbe.ts';
import { secret } from '../src/probe-api/secret.ts';
import { timeoutReason, untilAborted } from '../src/probe-kit/deadline.ts';
import { hostPort, networkReason } from '../src/probe-kit/networkReason.ts';
import { boolean, host, noQuery, port, timeoutSeconds } from '../src/probe-kit/options.ts';
import { readSecret } from '../src/probe-kit/readSecret.ts';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;

const URL_EXPECTED = 'expected a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])';

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && /^(\/\d*)?$/.test(url.pathname) && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const query = z.strictObject({
  url: secret(z.string({ error: URL_EXPECTED }).refine(isRedisUrl, { error: URL_EXPECTED })).optional(),
  host: host.optional(),
  port: port.optional(),
  db: z.int({ error: 'expected a database number (0 or more)' }).min(0, { error: 'expected a database number (0 or more)' }).optional(),
  username: text('a user name').optional(),
  password: secret(text('a password')).optional(),
  password_file: text('a file holding the password').optional(),
  password_env: text('the name of an environment variable holding the password').optional(),
  tls: boolean.optional(),
  insecure: boolean.optional(),
  timeout: timeoutSeconds(5),
});

const ROLE_EXPECTED = 'expected master or replica';
const role = z.enum(['master', 'replica'], { error: ROLE_EXPECTED });

/** INFO fields to their expected values; numbers and booleans as YAML gives them are compared as text. */
const infoValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a value (text or number)' }).transform(String);
const info = z
  .record(z.string().regex(/^[a-z0-9_]+$/i, { error: 'expected an INFO field name (letters, digits, _)' }), infoValue, { error: 'expected a map of INFO fields to values, like { master_link_status: up }' })
  .refine((map) => Object.keys(map).length > 0, { error: 'expected a map of INFO fields to values, like { master_link_status: up }' });

/** `INFO`'s `field:value` lines; section headers and blank lines skipped. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** A server's error (`WRONGPASS …`, `NOAUTH …`), or a network failure worded like every module's. */
function describe(error: unknown, target: string): string {
  if (error instanceof ErrorReply) {
    // NOAUTH comes as a paragraph about HELLO when the client opens with it: the code says enough.
    if (error.message.startsWith('NOAUTH')) return 'NOAUTH authentication required';
    const line = error.message.split(/\r?\n/)[0]!.replace(/\.$/, '');
    return line.length > 120 ? `${line.slice(0, 119)}…` : line;
  }
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === undefined) {
    // The client's own errors (a socket closed mid-command, a connect timeout) carry no code.
    return `${error.message.split(/\r?\n/)[0]!.replace(/\.$/, '')} ${target}`;
  }
  return networkReason(error, target);
}

export default defineProbe({
  name: 'redis_probe',
  query,
  criteria: { role, info, pass: noQuery },
  timeout: (q) => q.timeout,
  refine: ({ query: q }) => {
    const issues =
      q.url !== undefined
        ? (['host', 'port', 'db', 'tls'] as const)
            .filter((key) => q[key] !== undefined)
            .map((key) => ({ path: ['query', key], message: 'expected either url or host/port/db/tls, not both (give the whole address in url; rediss:// is TLS)' }))
        : [];
    const secure = q.url === undefined ? q.tls === true : q.url.startsWith('rediss:');
    if (q.insecure === true && !secure) issues.push({ path: ['query', 'insecure'], message: 'expected only with TLS (tls: True or a rediss:// url): there is no certificate to accept' });
    return issues;
  },
  async check({ options: { query: q, criteria }, signal, timeoutMs, log }) {
    const timedOut = { ok: false, reason: timeoutReason(timeoutMs) };
    const url = q.url === undefined ? undefined : new URL(q.url);
    const target = url ? hostPort(url.hostname.replace(/^\[|\]$/g, ''), url.port || DEFAULT_PORT) : hostPort(q.host ?? DEFAULT_HOST, q.port ?? DEFAULT_PORT);
    const secure = url ? url.protocol === 'rediss:' : q.tls === true;
    if (signal.aborted) return timedOut;

    let password: string | undefined;
    try {
      password = await untilAborted(readSecret('password', { value: q.password, file: q.password_file, env: q.password_env }), signal);
    } catch (error) {
      if (signal.aborted) return timedOut;
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }

    const client = createClient({
      ...(q.url === undefined ? { database: q.db ?? 0 } : { url: q.url }),
      ...(q.username === undefined ? {} : { username: q.username }),
      ...(password === undefined ? {} : { password }),
      socket: {
        ...(q.url === undefined ? { host: q.host ?? DEFAULT_HOST, port: q.port ?? DEFAULT_PORT } : {}),
        ...(secure ? { tls: true as const, rejectUnauthorized: q.insecure !== true } : {}),
        connectTimeout: timeoutMs,
        reconnectStrategy: false,
      },
      disableOfflineQueue: true,
      // One round trip less, and nothing about DeadPool's library version left on the server.
      disableClientInfo: true,
    });
    // The client also emits what its promises reject with; without a listener an 'error' event would crash the watcher.
    client.on('error', () => undefined);
    const started = performance.now();
    try {
      await untilAborted(client.connect(), signal);
      const pong = await untilAborted(client.ping(), signal);
      const ms = Math.round(performance.now() - started);
      if (pong !== 'PONG') return { ok: false, reason: `PING answered ${JSON.stringify(String(pong)).slice(0, 60)}, expected PONG` };
      if (!criteria.some((c) => c.type !== 'pass')) return { ok: true, reason: `PONG in ${ms} ms` };

      const fields = parseInfo(await untilAborted(client.info(), signal));
      const failures: string[] = [];
      for (const criterion of criteria) {
        if (criterion.type === 'role') {
          const raw = fields.get('role');
          const actual = raw === 'slave' ? 'replica' : raw;
          if (actual !== criterion.query) failures.push(`role is ${actual ?? 'not in INFO'}, expected ${criterion.query}`);
        } else if (criterion.type === 'info') {
          for (const [field, expected] of Object.entries(criterion.query)) {
            const actual = fields.get(field);
            if (actual === undefined) failures.push(`info ${field} is not in INFO, expected ${expected}`);
            else if (actual !== expected) failures.push(`info ${field} is ${actual.length > 60 ? `${actual.slice(0, 59)}…` : actual}, expected ${expected}`);
          }
        }
      }
      log.debug(`${target}: PONG in ${ms} ms`, { duration_ms: ms });
      return failures.length > 0 ? { ok: false, reason: failures.join('; ') } : { ok: true, reason: `PONG in ${ms} ms` };
    } catch (error) {
      if (signal.aborted) return timedOut;
      const reason = describe(error, target);
      log.debug(`${target}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
      return { ok: false, reason };
    } finally {
      try {
        client.destroy();
      } catch {
        // Never opened: nothing to close.
      }
    }
  },
});
