import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sqlProbe from '../../probes/sql_probe.ts';
import { closedPort } from '../helpers/httpServers.ts';
import { startMariadb, type MariadbServer } from '../helpers/mariadb.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { runCheck, silentListener } from '../helpers/runProbeCheck.ts';

/**
 * sql_probe against a real PostgreSQL 15 and a real MariaDB 10.11, started once for the file on
 * high ports in temp folders. Serial: the tests count the probe's connections on the servers.
 */
let postgres: PostgresServer | undefined;
let mariadb: MariadbServer | undefined;

test.before(async () => {
  // Each kept as soon as it runs, so that after.always stops it even when the other failed to start.
  const started = await Promise.allSettled([startPostgres().then((s) => (postgres = s)), startMariadb().then((s) => (mariadb = s))]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  if (!postgres || !mariadb) throw new Error('the servers did not start');
  const table = 'CREATE TABLE app.items (name VARCHAR(20), state INT, size BIGINT)';
  await mariadb.admin(table);
  await mariadb.admin(`INSERT INTO app.items VALUES ('master', 1, 10), ('tempdb', 0, 20), ('model', 1, 30), ('msdb', 1, 40)`);
});

test.after.always(async () => {
  await Promise.all([postgres?.stop(), mariadb?.stop()]);
});

interface Server {
  port: number;
  user: string;
  password: string;
  database: string;
  connections(): Promise<number>;
}

/** What differs between the two servers, for a test table run against each. */
const drivers = [
  {
    driver: 'postgres',
    server: (): Server => postgres!,
    // A VALUES list in the database the probe opens: no table needs creating as its owner.
    items: `SELECT * FROM (VALUES ('master', 1, 10::bigint), ('tempdb', 0, 20), ('model', 1, 30), ('msdb', 1, 40)) AS t(name, state, size)`,
    sleep: 'SELECT pg_sleep(10)',
    wrongPassword: 'password authentication failed for user "deadpool"',
    unknownDatabase: 'database "nope" does not exist',
    scheme: 'postgres',
  },
  {
    driver: 'mysql',
    server: (): Server => mariadb!,
    items: 'SELECT name, state, size FROM items',
    sleep: 'SELECT SLEEP(10)',
    wrongPassword: "Access denied for user 'deadpool'@'127.0.0.1' (using password: YES)",
    unknownDatabase: "Unknown database 'nope'",
    scheme: 'mysql',
  },
] as const;

const connectionOf = (d: (typeof drivers)[number], extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const s = d.server();
  return { driver: d.driver, server: '127.0.0.1', port: s.port, user: s.user, pass: s.password, db_name: s.database, ...extra };
};

/** No connection of the probe's user stays open on the server (a closing backend may take a moment to leave its list). */
const noneLeft = (s: Server, timeoutMs = 5000): Promise<boolean> => waitFor(async () => (await s.connections()) === 0, timeoutMs, 'the probe\'s connections to close');

for (const d of drivers) {
  test.serial(`${d.driver}: the query runs, every criterion holds, and the connection is closed afterwards`, async (t) => {
    const { result } = await runCheck(sqlProbe, connectionOf(d, { query: d.items }), {
      db: { type: 'exists', query: { name: 'master', state: 1 } },
      // 1 equals "1" and a bigint column's 10 (pg returns int8 as a string).
      loose: { type: 'exists', query: { state: '1', size: 10 } },
      some: { type: 'rows_min', query: 4 },
      ran: { type: 'pass' },
    });
    t.true(result.ok, result.reason);
    t.regex(result.reason, /^4 rows in \d+ ms$/);
    t.true(await noneLeft(d.server()));
  });

  test.serial(`${d.driver}: with no criteria the default query, SELECT 1, must run`, async (t) => {
    const { result } = await runCheck(sqlProbe, connectionOf(d));
    t.true(result.ok, result.reason);
    t.regex(result.reason, /^1 row in \d+ ms$/);
  });

  test.serial(`${d.driver}: exists and rows_min say what was missing, each`, async (t) => {
    const { result } = await runCheck(sqlProbe, connectionOf(d, { query: d.items }), {
      db: { type: 'exists', query: { name: 'master', state: 0 } },
      many: { type: 'rows_min', query: 5 },
      column: { type: 'exists', query: { nmae: 'master' } },
    });
    t.deepEqual(result, { ok: false, reason: 'no row with name = "master", state = 0 (of 4 rows); 4 rows, fewer than 5; no column "nmae" in the result (columns: name, state, size)' });
    t.true(await noneLeft(d.server()));
  });

  test.serial(`${d.driver}: a wrong password is the server's refusal, without the password`, async (t) => {
    const { result, records } = await runCheck(sqlProbe, connectionOf(d, { pass: 'wrong-pw-99' }));
    t.deepEqual(result, { ok: false, reason: d.wrongPassword });
    t.notRegex(JSON.stringify(records), /wrong-pw-99/);
    t.true(await noneLeft(d.server()));
  });

  test.serial(`${d.driver}: an unknown database is named`, async (t) => {
    const { result } = await runCheck(sqlProbe, connectionOf(d, { db_name: 'nope' }));
    t.deepEqual(result, { ok: false, reason: d.unknownDatabase });
  });

  test.serial(`${d.driver}: an SQL error is the server's message`, async (t) => {
    const { result } = await runCheck(sqlProbe, connectionOf(d, { query: 'SELECT * FROM no_such_table' }));
    t.false(result.ok);
    t.regex(result.reason, /no_such_table/);
    t.true(await noneLeft(d.server()));
  });

  test.serial(`${d.driver}: a server that is down: ECONNREFUSED host:port`, async (t) => {
    const port = await closedPort();
    const { result } = await runCheck(sqlProbe, connectionOf(d, { port }));
    t.deepEqual(result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` });
  });

  test.serial(`${d.driver}: a server that accepts and never answers fails at the deadline, and the socket is closed`, async (t) => {
    const silent = await silentListener();
    t.teardown(() => silent.close());
    const { result, ms } = await runCheck(sqlProbe, connectionOf(d, { port: silent.port, timeout: 0.5 }));
    t.deepEqual(result, { ok: false, reason: 'timeout after 0.5 s' });
    t.true(ms >= 450 && ms < 1500, `${Math.round(ms)} ms`);
    t.is(silent.accepted(), 1);
    t.true(await waitFor(() => silent.open() === 0, 2000, 'the probe to close its socket'));
  });

  test.serial(`${d.driver}: the deadline mid-query fails the check on time, and the server ends the query and the connection`, async (t) => {
    const { result, ms } = await runCheck(sqlProbe, connectionOf(d, { query: d.sleep, timeout: 1 }));
    t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
    t.true(ms >= 950 && ms < 2000, `${Math.round(ms)} ms`);
    // The statement timeout ends the sleep about 1 s after it started, not 10 s.
    t.true(await noneLeft(d.server(), 4000));
  });

  test.serial(`${d.driver}: a url instead of the keys, its password never shown`, async (t) => {
    const s = d.server();
    const url = `${d.scheme}://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}/${s.database}`;
    t.true((await runCheck(sqlProbe, { driver: d.driver, url })).result.ok);
    const wrong = `${d.scheme}://${s.user}:wrong-pw-99@127.0.0.1:${s.port}/${s.database}`;
    const { result, records } = await runCheck(sqlProbe, { driver: d.driver, url: wrong });
    t.deepEqual(result, { ok: false, reason: d.wrongPassword });
    t.notRegex(JSON.stringify(records), /wrong-pw-99/);
  });

  test.serial(`${d.driver}: the password from pass_file or pass_env, read at every check`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-sql-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'pass');
    await writeFile(file, `${d.server().password}\n`);
    const { pass: _pass, ...keys } = connectionOf(d);
    t.true((await runCheck(sqlProbe, { ...keys, pass_file: file })).result.ok);
    await writeFile(file, 'rotated-away\n');
    t.deepEqual((await runCheck(sqlProbe, { ...keys, pass_file: file })).result, { ok: false, reason: d.wrongPassword });
    process.env['DEADPOOL_TEST_SQL_PASS'] = d.server().password;
    t.teardown(() => delete process.env['DEADPOOL_TEST_SQL_PASS']);
    t.true((await runCheck(sqlProbe, { ...keys, pass_env: 'DEADPOOL_TEST_SQL_PASS' })).result.ok);
    t.deepEqual((await runCheck(sqlProbe, { ...keys, pass_env: 'DEADPOOL_TEST_SQL_NOPE' })).result, { ok: false, reason: 'pass_env: the environment variable DEADPOOL_TEST_SQL_NOPE is not set' });
  });
}

test.serial('postgres: a server asking for a password the config does not give says so', async (t) => {
  const { pass: _pass, ...keys } = connectionOf(drivers[0]);
  t.deepEqual((await runCheck(sqlProbe, keys)).result, { ok: false, reason: 'the server asks for a password: give pass, pass_file or pass_env' });
});

test.serial('postgres: encrypt verifies the certificate; insecure accepts a self-signed one', async (t) => {
  const { result } = await runCheck(sqlProbe, connectionOf(drivers[0], { encrypt: true }));
  t.deepEqual(result, { ok: false, reason: `DEPTH_ZERO_SELF_SIGNED_CERT 127.0.0.1:${postgres!.port}: self-signed certificate` });
  const insecure = await runCheck(sqlProbe, connectionOf(drivers[0], { encrypt: true, insecure: true, query: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' }), {
    tls: { type: 'exists', query: { ssl: true } },
  });
  t.true(insecure.result.ok, insecure.result.reason);
  t.true(await noneLeft(postgres!));
});

test.serial('mysql: encrypt against a server without TLS says so', async (t) => {
  const { result } = await runCheck(sqlProbe, connectionOf(drivers[1], { encrypt: true }));
  t.deepEqual(result, { ok: false, reason: `HANDSHAKE_NO_SSL_SUPPORT 127.0.0.1:${mariadb!.port}: Server does not support secure connection` });
});

test('options: driver required, url exclusive with the keys, one password source, whole numbers for rows_min; no secret shown', (t) => {
  const issues = (query: Record<string, unknown>, criteria: Record<string, { type: string; query?: unknown }> = {}) => {
    const v = sqlProbe.validate({ query, success_criteria: criteria });
    return v.ok ? [] : v.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  t.deepEqual(issues({ server: 'db', user: 'u' }), ['query.driver: missing, expected one of postgres, mysql, mssql']);
  t.deepEqual(issues({ driver: 'oracle', server: 'db', user: 'u' }), ['query.driver: expected one of postgres, mysql, mssql, got "oracle"']);
  t.deepEqual(issues({ driver: 'postgres', url: 'postgres://u:hunter22@db/x', server: 'db', pass: 'hunter22' }), [
    'query.server: expected either url or the keys server, port, user, pass (pass_file, pass_env) and db_name, not both',
    'query.pass: expected either url or the keys server, port, user, pass (pass_file, pass_env) and db_name, not both',
  ]);
  t.deepEqual(issues({ driver: 'mysql', url: 'postgres://u:hunter22@db/x' }), ['query.url: expected a URL like mysql://user:pass@host:3306/db (scheme mysql: or mariadb:) (the value is a secret: not shown)']);
  t.deepEqual(issues({ driver: 'mysql', url: 'mysql://db/x' }), ['query.url: expected a URL like mysql://user:pass@host:3306/db (no user) (the value is a secret: not shown)']);
  t.deepEqual(issues({ driver: 'mysql', url: 'mysql://u:%zz@db/x' }), ['query.url: expected a URL like mysql://user:pass@host:3306/db (a bad %-escape) (the value is a secret: not shown)']);
  t.deepEqual(issues({ driver: 'mysql', url: 42 }), ['query.url: expected a URL like postgres://user:pass@host:5432/db (the value is a secret: not shown)']);
  t.deepEqual(issues({ driver: 'postgres', server: 'db', user: 'u', pass: 'hunter22', pass_env: 'X' }), [
    'query.pass: expected one of pass, pass_file and pass_env, got pass and pass_env',
    'query.pass_env: expected one of pass, pass_file and pass_env, got pass and pass_env',
  ]);
  t.deepEqual(issues({ driver: 'postgres', user: 'u' }), ['query.server: missing, expected a host name or address (or a url)']);
  t.deepEqual(issues({ driver: 'postgres', server: 'db', user: 'u', pass: 12345678 }), ['query.pass: expected a password (quote it in YAML) (the value is a secret: not shown)']);
  t.deepEqual(issues({ driver: 'postgres', server: 'db', user: 'u' }, { n: { type: 'rows_min', query: 1.5 }, e: { type: 'exists', query: {} }, f: { type: 'exists', query: 'master' } }), [
    'success_criteria.n.query: expected a whole number ≥ 1, got 1.5',
    'success_criteria.f.query: expected a map of column names to values, like {name: master, state: 1}, got "master"',
  ]);
  t.deepEqual(issues({ driver: 'postgres', server: 'db', user: 'u' }, { e: { type: 'exists', query: {} } }), ['success_criteria.e.query: expected at least one column and its value, like {name: master, state: 1}, got an empty map']);
  const valid = sqlProbe.validate({ query: { driver: 'mysql', server: 'db', user: 'u' }, success_criteria: {} });
  t.true(valid.ok);
  if (valid.ok) t.like(valid, { timeout: 5, options: { query: { query: 'SELECT 1', timeout: 5 } } });
});
