import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { judgeRows, sameValue } from '../../src/probe-kit/sqlProbe.ts';
import mssqlProbe from '../../probes/mssql_probe.ts';
import { closedPort } from '../helpers/httpServers.ts';
import { runCheck, silentListener } from '../helpers/runProbeCheck.ts';
import { waitFor } from '../helpers/waitFor.ts';

/**
 * mssql_probe: no SQL Server runs on Debian, so these tests cover what can be run without one: the
 * Python DeadPool's FinDB config, the criteria on rows shaped like SQL Server's, and the failure
 * paths of the real driver (mssql/tedious) against a closed port and silent or rude listeners.
 */

const FINDB = {
  query: { server: '10.0.0.5', user: 'deadpool', pass: 'secret', db_name: 'master', port: 1433, query: 'SELECT * FROM sys.databases;' },
  success_criteria: { db: { type: 'exists', query: { name: 'master', state: 1 } } },
};

test("the original DeadPool's FinDB probe validates unchanged, with a 5 s deadline", (t) => {
  const valid = mssqlProbe.validate(FINDB);
  t.true(valid.ok, JSON.stringify(valid));
  if (!valid.ok) return;
  t.is(valid.timeout, 5);
  t.deepEqual(valid.options, {
    query: { ...FINDB.query, timeout: 5, insecure: false },
    criteria: [{ type: 'exists', label: 'db', query: { name: 'master', state: 1 } }],
  });
});

test('FinDB loads from a config.yaml written as the original wrote it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-mssql-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    `probes:\n  FinDB:\n    module: mssql_probe\n    isEnabled: True\n    period: 3\n    query:\n      server: 10.0.0.5\n      user: deadpool\n      pass: secret\n      db_name: master\n      port: 1433\n      query: 'SELECT * FROM sys.databases;'\n    success_criteria:\n      db:\n        type: exists\n        query: {'name': "master", 'state': 1}\n`,
  );
  const { probes } = await loadConfig(config);
  t.deepEqual(probes.map((p) => [p.name, p.timeoutMs]), [['FinDB', 5000]]);
});

test('mssql_probe has no driver key, takes an mssql:// url, and refuses misspellings with a suggestion; no secret shown', (t) => {
  const issues = (query: Record<string, unknown>): string[] => {
    const v = mssqlProbe.validate({ query, success_criteria: {} });
    return v.ok ? [] : v.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  t.deepEqual(issues({ ...FINDB.query, driver: 'mssql' }), ['query.driver: unknown key; expected one of server, port, user, pass, pass_file, pass_env, db_name, url, encrypt, insecure, query, timeout']);
  t.deepEqual(issues({ ...FINDB.query, dbname: 'master', db_name: undefined }), [
    'query.dbname: unknown key (did you mean "db_name"?); expected one of server, port, user, pass, pass_file, pass_env, db_name, url, encrypt, insecure, query, timeout',
  ]);
  t.deepEqual(issues({ url: 'mssql://deadpool:hunter22@10.0.0.5/master' }), []);
  t.deepEqual(issues({ url: 'postgres://deadpool:hunter22@10.0.0.5/master' }), ['query.url: expected a URL like mssql://user:pass@host:1433/db (scheme mssql: or sqlserver:) (the value is a secret: not shown)']);
});

test('exists compares as an operator reads a table: 1 equals "1", a bit equals 1 or True, strings exactly', (t) => {
  // sys.databases as tedious returns it: tinyint as a number, bit as a boolean.
  const rows = [
    { name: 'master', database_id: 1, state: 0, is_read_only: false },
    { name: 'tempdb', database_id: 2, state: 0, is_read_only: false },
    { name: 'FinDB', database_id: 5, state: 1, is_read_only: true },
  ];
  const exists = (query: Record<string, string | number | boolean | null>) => judgeRows([{ type: 'exists', label: 'x', query }], rows);
  t.deepEqual(exists({ name: 'FinDB', state: 1 }), []);
  t.deepEqual(exists({ name: 'FinDB', state: '1', is_read_only: 1 }), []);
  t.deepEqual(exists({ database_id: 5.0, is_read_only: true }), []);
  t.deepEqual(exists({ name: 'master', state: 1 }), ['no row with name = "master", state = 1 (of 3 rows)']);
  t.deepEqual(exists({ name: 'MASTER' }), ['no row with name = "MASTER" (of 3 rows)']);
  t.deepEqual(exists({ Name: 'master' }), ['no column "Name" in the result (columns: name, database_id, state, is_read_only)']);
  t.deepEqual(judgeRows([{ type: 'exists', label: 'x', query: { name: 'master' } }], []), ['no row with name = "master" (of 0 rows)']);
  t.deepEqual(judgeRows([{ type: 'rows_min', label: 'n', query: 4 }, { type: 'pass', label: 'p', query: undefined }], rows), ['3 rows, fewer than 4']);
  t.deepEqual(judgeRows([{ type: 'rows_min', label: 'n', query: 2 }], [{ a: 1 }]), ['1 row, fewer than 2']);

  t.true(sameValue(1, '1'));
  t.true(sameValue('1', 1));
  t.true(sameValue(10, 10n));
  t.true(sameValue(true, 't'));
  t.true(sameValue(false, 0));
  t.true(sameValue(null, null));
  t.false(sameValue('1', '1.0'));
  t.false(sameValue(1, 'one'));
  t.false(sameValue(0, ''));
  t.false(sameValue(null, 0));
  t.false(sameValue('null', null));
});

test.serial('a server that is down: ECONNREFUSED host:port, from the real driver', async (t) => {
  const port = await closedPort();
  const { result, records } = await runCheck(mssqlProbe, { ...FINDB.query, server: '127.0.0.1', port, pass: 'hunter22' }, FINDB.success_criteria);
  t.deepEqual(result, { ok: false, reason: `ECONNREFUSED 127.0.0.1:${port}` });
  t.notRegex(JSON.stringify(records), /hunter22/);
});

test.serial('a server that accepts and never answers fails at the deadline, and the socket is closed', async (t) => {
  const silent = await silentListener();
  t.teardown(() => silent.close());
  const { result, ms } = await runCheck(mssqlProbe, { ...FINDB.query, server: '127.0.0.1', port: silent.port, timeout: 0.5 }, FINDB.success_criteria);
  t.deepEqual(result, { ok: false, reason: 'timeout after 0.5 s' });
  t.true(ms >= 450 && ms < 1500, `${Math.round(ms)} ms`);
  t.is(silent.accepted(), 1);
  t.true(await waitFor(() => silent.open() === 0, 2000, 'the probe to close its socket'));
});

test.serial('a server that hangs up at once is named with host and port', async (t) => {
  const rude = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
  t.teardown(() => rude.close());
  const port = (rude.address() as net.AddressInfo).port;
  const { result } = await runCheck(mssqlProbe, { ...FINDB.query, server: '127.0.0.1', port }, FINDB.success_criteria);
  t.false(result.ok);
  t.regex(result.reason, new RegExp(`^ECONN(RESET|ABORTED) 127\\.0\\.0\\.1:${port}`));
});
