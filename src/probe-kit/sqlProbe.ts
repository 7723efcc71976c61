/**
 * The SQL probe shared by `probes/sql_probe.ts` (any of three drivers) and `probes/mssql_probe.ts`
 * (the seed's module name, SQL Server only): one connection per check, one query, its rows judged by
 * the criteria `exists`, `rows_min` and `pass`.
 *
 * Choices, and why:
 * - A fresh connection per check, always closed: a pooled connection would hide a server that stopped
 *   accepting new ones, and a probe must not hold a connection slot between checks. After the query
 *   the connection is ended politely, for at most a second and never past the deadline; at the
 *   deadline or after an error its socket is destroyed at once.
 * - The deadline is also sent to the server as the statement timeout (postgres `statement_timeout`,
 *   MariaDB `max_statement_time` / MySQL `max_execution_time`, mssql `requestTimeout`): a query the
 *   probe gave up on does not run on, holding a server process, after the check.
 * - Reasons are the server's own words for its refusals (`password authentication failed for user
 *   "deadpool"`, `database "nope" does not exist`), the kit's network wording for the rest; the
 *   password and the `url` (which may hold one) never appear, not even if a server echoed them.
 * - `exists` compares as an operator reads a table: `1` equals `"1"` and `1.0`; a driver that returns
 *   a bigint or a numeric as a string (pg) or a bit as a boolean (mssql) still matches `1`.
 */
import mssql from 'mssql';
import mysql from 'mysql2';
import pg from 'pg';
import { z } from 'zod';
import { defineProbe, type CriterionOf } from '../probe-api/defineProbe.ts';
import type { OptionIssue } from '../probe-api/types.ts';
import { secret } from '../probe-api/secret.ts';
import { timeoutReason, untilAborted } from './deadline.ts';
import { hostPort, networkReason } from './networkReason.ts';
import { boolean, host, noQuery, port, timeoutSeconds } from './options.ts';
import { readSecret, SecretError } from './readSecret.ts';

export const DRIVERS = ['postgres', 'mysql', 'mssql'] as const;
export type Driver = (typeof DRIVERS)[number];

export const DEFAULT_PORTS: Record<Driver, number> = { postgres: 5432, mysql: 3306, mssql: 1433 };
const DEFAULT_ENCRYPT: Record<Driver, boolean> = { postgres: false, mysql: false, mssql: true };
const URL_SCHEMES: Record<Driver, string[]> = { postgres: ['postgres:', 'postgresql:'], mysql: ['mysql:', 'mariadb:'], mssql: ['mssql:', 'sqlserver:'] };
const DEFAULT_TIMEOUT_S = 5;
/** How long a polite end of a healthy connection may take before its socket is destroyed. */
const END_GRACE_MS = 1000;

const name = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

/** The connection and query keys every SQL module shares (the seed's `server`, `user`, `pass`, `db_name`, `port`, `query`). */
export const sqlQueryKeys = {
  server: host.optional(),
  port: port.optional(),
  user: name('a user name').optional(),
  pass: secret(z.string({ error: 'expected a password (quote it in YAML)' })).optional(),
  pass_file: name('a file holding the password').optional(),
  pass_env: name('the name of an environment variable holding the password').optional(),
  db_name: name('a database name').optional(),
  url: secret(name('a URL like postgres://user:pass@host:5432/db')).optional(),
  /** TLS: postgres and mysql default to False (their drivers' default), mssql to True. */
  encrypt: boolean.optional(),
  /** With TLS, accept any certificate (a self-signed one, another name): as url_probe's `insecure`. */
  insecure: boolean.default(false),
  query: name('an SQL query').default('SELECT 1'),
  timeout: timeoutSeconds(DEFAULT_TIMEOUT_S),
};

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a value (a string, a number, True, False or null)' });

export const sqlCriteria = {
  /** Some row has all these column values. */
  exists: z.record(z.string(), scalar, { error: 'expected a map of column names to values, like {name: master, state: 1}' }),
  rows_min: z.int({ error: 'expected a whole number ≥ 1' }).min(1, { error: 'expected a whole number ≥ 1' }),
  pass: noQuery,
};

type QueryKeys = z.output<z.ZodObject<typeof sqlQueryKeys>>;
type Criterion = CriterionOf<typeof sqlCriteria>;

const CONNECTION_KEYS = ['server', 'port', 'user', 'pass', 'pass_file', 'pass_env', 'db_name'] as const;

/** What validation learned from `url`, or the plain keys: where to connect and as whom. */
interface Target {
  server: string;
  port: number;
  user?: string | undefined;
  database?: string | undefined;
  /** The password written in the url (decoded), if any. */
  urlPassword?: string | undefined;
}

/** The cross-key rules one schema cannot state; no I/O. */
export function connectionIssues(driver: Driver, query: QueryKeys): OptionIssue[] {
  const issues: OptionIssue[] = [];
  const at = (key: string, message: string): void => void issues.push({ path: ['query', key], message });
  if (query.url !== undefined) {
    for (const key of CONNECTION_KEYS) if (query[key] !== undefined) at(key, 'expected either url or the keys server, port, user, pass (pass_file, pass_env) and db_name, not both');
    const parsed = parseUrl(driver, query.url);
    if (typeof parsed === 'string') at('url', `${parsed} (the value is a secret: not shown)`);
    return issues;
  }
  if (query.server === undefined) at('server', 'missing, expected a host name or address (or a url)');
  if (query.user === undefined) at('user', 'missing, expected a user name');
  const sources = (['pass', 'pass_file', 'pass_env'] as const).filter((key) => query[key] !== undefined);
  if (sources.length > 1) for (const key of sources) at(key, `expected one of pass, pass_file and pass_env, got ${sources.join(' and ')}`);
  return issues;
}

/** The url's parts, or what is wrong with it (never quoting it). */
function parseUrl(driver: Driver, text: string): Target | string {
  const schemes = URL_SCHEMES[driver];
  const expected = `expected a URL like ${schemes[0]}//user:pass@host:${DEFAULT_PORTS[driver]}/db`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  if (!schemes.includes(url.protocol)) return `${expected} (scheme ${schemes.join(' or ')})`;
  if (url.hostname === '') return `${expected} (no host)`;
  if (url.search !== '' || url.hash !== '') return `${expected}, without ?parameters`;
  if (url.username === '') return `${expected} (no user)`;
  let parts: string[];
  try {
    parts = [url.pathname.replace(/^\//, ''), url.username, url.password].map(decodeURIComponent);
  } catch {
    return `${expected} (a bad %-escape)`;
  }
  const [database = '', user, password = ''] = parts;
  if (database.includes('/')) return `${expected} (one database name after the host)`;
  return {
    server: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_PORTS[driver] : Number(url.port),
    user,
    database: database === '' ? undefined : database,
    urlPassword: password === '' ? undefined : password,
  };
}

function targetOf(driver: Driver, query: QueryKeys): Target {
  if (query.url !== undefined) {
    const parsed = parseUrl(driver, query.url);
    if (typeof parsed !== 'string') return parsed;
  }
  return { server: query.server ?? '', port: query.port ?? DEFAULT_PORTS[driver], user: query.user, database: query.db_name };
}

// ---------------------------------------------------------------------------------------------- criteria

type Row = Record<string, unknown>;

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};

/** Whether a cell holds what the config wrote: `1` equals `"1"`, `1.0`, `1n` and True; strings compare exactly. */
export function sameValue(expected: string | number | boolean | null, actual: unknown): boolean {
  if (expected === null || actual === null || actual === undefined) return expected === null && (actual === null || actual === undefined);
  if (actual instanceof Date) actual = actual.toISOString();
  else if (Buffer.isBuffer(actual)) actual = actual.toString('utf8');
  if (typeof expected === 'string' && typeof actual === 'string') return expected === actual;
  if (typeof expected === 'boolean' && typeof actual === 'string') return ['t', 'true', '1'].includes(actual.toLowerCase()) === expected && ['t', 'true', '1', 'f', 'false', '0'].includes(actual.toLowerCase());
  const a = asNumber(expected);
  const b = asNumber(actual);
  return a !== undefined && b !== undefined && a === b;
}

const shown = (value: string | number | boolean | null): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));
const rowsText = (n: number): string => `${n} ${n === 1 ? 'row' : 'rows'}`;

/** Failure reasons of the criteria that do not hold, in config order. */
export function judgeRows(criteria: readonly Criterion[], rows: readonly Row[]): string[] {
  const failures: string[] = [];
  for (const criterion of criteria) {
    if (criterion.type === 'rows_min') {
      if (rows.length < criterion.query) failures.push(`${rowsText(rows.length)}, fewer than ${criterion.query}`);
    } else if (criterion.type === 'exists') {
      const wanted = Object.entries(criterion.query);
      if (rows.some((row) => wanted.every(([column, value]) => sameValue(value, row[column])))) continue;
      const missing = wanted.map(([column]) => column).filter((column) => rows.length > 0 && !rows.some((row) => Object.hasOwn(row, column)));
      const described = wanted.map(([column, value]) => `${column} = ${shown(value)}`).join(', ');
      const columns = rows[0] ? Object.keys(rows[0]).join(', ') : '';
      failures.push(
        missing.length > 0 ? `no column ${missing.map((c) => JSON.stringify(c)).join(', ')} in the result (columns: ${columns})` : `no row with ${described} (of ${rowsText(rows.length)})`,
      );
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------- drivers

interface Connection {
  /** Password decided, connect and run the query; rows of the (last) result. */
  connect(): Promise<void>;
  run(sql: string): Promise<Row[]>;
  /** A polite goodbye. */
  end(): Promise<void>;
  /** The socket closed now, whatever it is doing. */
  destroy(): void;
}

interface Settings {
  target: Target;
  password: string | undefined;
  timeoutMs: number;
  encrypt: boolean;
  insecure: boolean;
}

const ignore = (): void => undefined;

function postgresConnection({ target, password, timeoutMs, encrypt, insecure }: Settings): Connection {
  const client = new pg.Client({
    host: target.server,
    port: target.port,
    user: target.user,
    // '' rather than undefined: pg would fall back on PGPASSWORD and ~/.pgpass, which the config does not name.
    password: password ?? '',
    // Stated, so that PGDATABASE in the watcher's environment does not choose it.
    database: target.database ?? target.user,
    statement_timeout: Math.ceil(timeoutMs),
    application_name: 'deadpool',
    keepAlive: false,
    ssl: encrypt ? { rejectUnauthorized: !insecure } : false,
  });
  client.on('error', ignore);
  return {
    connect: async () => void (await client.connect()),
    run: async (sql) => {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as Row[];
    },
    end: () => client.end(),
    destroy: () => (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy(),
  };
}

function mysqlConnection({ target, password, timeoutMs, encrypt, insecure }: Settings): Connection {
  let connection: mysql.Connection | undefined;
  const call = <T>(fn: (done: (error: unknown, value?: T) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value as T))));
  return {
    connect: () => {
      connection = mysql.createConnection({
        host: target.server,
        port: target.port,
        user: target.user ?? '',
        password: password ?? '',
        database: target.database,
        // Ours is the deadline; the driver's own connect timeout (10 s) must not fire first with another wording.
        connectTimeout: Math.ceil(timeoutMs) + 1000,
        supportBigNumbers: true,
        multipleStatements: false,
        ...(encrypt ? { ssl: { rejectUnauthorized: !insecure } } : {}),
      });
      connection.on('error', ignore);
      const c = connection;
      return call<void>((done) => c.connect((error) => done(error)));
    },
    run: async (sql) => {
      const c = connection!;
      const query = (text: string): Promise<unknown> => call((done) => c.query(text, (error, rows) => done(error, rows)));
      // MariaDB's statement timeout is in seconds; MySQL's (SELECT only) in milliseconds.
      await query(`SET SESSION max_statement_time = ${(Math.ceil(timeoutMs) / 1000).toFixed(3)}`).catch((error: { errno?: number }) => {
        if (error.errno !== 1193) throw error; // ER_UNKNOWN_SYSTEM_VARIABLE: MySQL
        return query(`SET SESSION max_execution_time = ${Math.ceil(timeoutMs)}`);
      });
      const rows = await query(sql);
      return Array.isArray(rows) ? (rows as Row[]) : [];
    },
    end: () => (connection ? call<void>((done) => connection!.end((error) => done(error))) : Promise.resolve()),
    destroy: () => connection?.destroy(),
  };
}

/** Tedious connections made by an mssql pool (its test connection, then the pool's own), to destroy them at the deadline. */
interface TediousLike {
  socket?: { destroy(): void } | undefined;
  close(): void;
}

function mssqlConnection({ target, password, timeoutMs, encrypt, insecure }: Settings): Connection {
  const tedious = new Set<TediousLike>();
  const pool = new mssql.ConnectionPool({
    server: target.server,
    port: target.port,
    user: target.user,
    password: password ?? '',
    database: target.database,
    connectionTimeout: Math.ceil(timeoutMs) + 1000,
    requestTimeout: Math.ceil(timeoutMs),
    pool: { max: 1, min: 0 },
    options: { appName: 'deadpool', encrypt, trustServerCertificate: insecure },
    beforeConnect: (connection) => void tedious.add(connection as unknown as TediousLike),
  });
  pool.on('error', ignore);
  return {
    connect: async () => void (await pool.connect()),
    run: async (sql) => {
      const sets = ((await pool.request().query(sql)).recordsets ?? []) as unknown as Row[][];
      return sets[sets.length - 1] ?? [];
    },
    end: () => pool.close(),
    destroy: () => {
      for (const connection of tedious) {
        connection.socket?.destroy();
        connection.close();
      }
      pool.close().catch(ignore);
    },
  };
}

const CONNECT: Record<Driver, (settings: Settings) => Connection> = { postgres: postgresConnection, mysql: mysqlConnection, mssql: mssqlConnection };

// ---------------------------------------------------------------------------------------------- reasons

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
  errno?: unknown;
  number?: unknown;
  severity?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** Node's network and TLS error codes (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`), not mysql's `ER_…`. */
const NETWORK_CODE = /^(?!ER_)[A-Z][A-Z0-9_]{3,}$/;

/** The innermost error that carries a Node network code (`ECONNREFUSED`), through mssql's and tedious's wrappers. */
function networkError(error: ErrorLike, depth = 0): ErrorLike | undefined {
  if (depth > 5) return undefined;
  if (typeof error.code === 'string' && NETWORK_CODE.test(error.code) && !['ESOCKET', 'ELOGIN', 'ETIMEOUT', 'EREQUEST', 'ECONNCLOSED', 'EINSTLOOKUP', 'ENOTOPEN'].includes(error.code)) return error;
  if (Array.isArray(error.errors) && error.errors.length > 0) return error;
  for (const inner of [error.cause, error.originalError]) {
    if (typeof inner === 'object' && inner !== null) {
      const found = networkError(inner as ErrorLike, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Whether the server ended a statement at its timeout: the deadline, said the one way. */
function isStatementTimeout(driver: Driver, error: ErrorLike): boolean {
  if (driver === 'postgres') return error.code === '57014' && typeof error.message === 'string' && error.message.includes('statement timeout');
  if (driver === 'mysql') return error.errno === 1969 || error.errno === 3024;
  return error.code === 'ETIMEOUT';
}

function describe(driver: Driver, error: unknown, target: string): string {
  if (error instanceof SecretError) return error.message;
  if (typeof error !== 'object' || error === null) return `error ${target}: ${String(error)}`;
  const e = error as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  // The server's own refusal: mysql2's sqlMessage, pg's DatabaseError, mssql's login and request errors.
  if (typeof e.sqlMessage === 'string') return e.sqlMessage;
  if (typeof e.severity === 'string') return message;
  const net = networkError(e);
  if (net) return networkReason(net, target);
  if (driver === 'postgres' && /client password must be a (non-empty )?string/.test(message)) return 'the server asks for a password: give pass, pass_file or pass_env';
  if (typeof e.number === 'number' || e.code === 'ELOGIN' || e.code === 'EREQUEST') return message;
  return `${message} (${target})`;
}

/** One line, and never a secret, whatever the server said. */
function clean(reason: string, secrets: readonly (string | undefined)[]): string {
  let text = reason.replace(/\s+/g, ' ').trim();
  for (const s of secrets) if (s && s.length >= 3) text = text.split(s).join('***');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

// ---------------------------------------------------------------------------------------------- the module

/** An SQL probe module: `driver` fixed (mssql_probe), or read from the `driver` key (sql_probe). */
export function sqlProbe<Q extends z.ZodType<QueryKeys>>(moduleName: string, querySchema: Q, driverOf: (query: z.output<Q>) => Driver) {
  return defineProbe({
    name: moduleName,
    query: querySchema,
    criteria: sqlCriteria,
    timeout: (query) => query.timeout,
    refine: ({ query, criteria }) => [
      ...connectionIssues(driverOf(query), query),
      ...criteria
        .filter((c) => c.type === 'exists' && Object.keys(c.query).length === 0)
        .map((c) => ({ path: ['success_criteria', c.label, 'query'], message: 'expected at least one column and its value, like {name: master, state: 1}, got an empty map' })),
    ],
    async check({ options, signal, timeoutMs, log }) {
      const query = options.query;
      const driver = driverOf(options.query);
      const target = targetOf(driver, query);
      const where = hostPort(target.server, target.port);
      const timedOut = { ok: false, reason: timeoutReason(timeoutMs) };
      const started = performance.now();
      // Our own deadline as well as the watcher's signal, so the module is safe on its own.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      const onAbort = (): void => deadline.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      let password: string | undefined;
      let connection: Connection | undefined;
      let healthy = false;
      try {
        if (deadline.signal.aborted) return timedOut;
        password = target.urlPassword ?? (await untilAborted(readSecret('pass', { value: query.pass, file: query.pass_file, env: query.pass_env }), deadline.signal));
        connection = CONNECT[driver]({ target, password, timeoutMs, encrypt: query.encrypt ?? DEFAULT_ENCRYPT[driver], insecure: query.insecure });
        await untilAborted(connection.connect(), deadline.signal);
        const rows = await untilAborted(connection.run(query.query), deadline.signal);
        healthy = true;
        const ms = Math.round(performance.now() - started);
        const failures = judgeRows(options.criteria, rows);
        log.debug(`${driver} ${where}: ${rowsText(rows.length)} in ${ms} ms`, { duration_ms: ms });
        return failures.length > 0 ? { ok: false, reason: clean(failures.join('; '), [password]) } : { ok: true, reason: `${rowsText(rows.length)} in ${ms} ms` };
      } catch (error) {
        if (deadline.signal.aborted || isStatementTimeout(driver, (error ?? {}) as ErrorLike)) return timedOut;
        const reason = clean(describe(driver, error, where), [password, query.url]);
        log.debug(`${driver} ${where}: ${reason}`, { duration_ms: Math.round(performance.now() - started) });
        return { ok: false, reason };
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        // The polite end must not carry a passed check past its deadline.
        const left = timeoutMs - (performance.now() - started);
        if (connection) await close(connection, healthy && !deadline.signal.aborted ? Math.min(END_GRACE_MS, left) : 0);
      }
    },
  });
}

/** Ends the connection: politely when it is idle and healthy (for at most `graceMs`), else by destroying its socket. */
async function close(connection: Connection, graceMs: number): Promise<void> {
  if (graceMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      connection.end().then(() => true, () => false),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]).finally(() => clearTimeout(timer));
    if (ended) return;
  }
  try {
    connection.destroy();
  } catch {
    // Already gone.
  }
}
