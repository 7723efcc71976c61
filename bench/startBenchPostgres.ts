import { chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { unprivileged } from '../test/helpers/deadpoolProcess.ts';
import { freePort } from '../test/helpers/responderClient.ts';
import { removeFolder, runToEnd, serverFolder, startProcess } from '../test/helpers/sqlServerProcess.ts';
import { waitFor } from '../test/helpers/waitFor.ts';

const BIN = '/usr/lib/postgresql/15/bin';

export interface BenchPostgres {
  port: number;
  user: string;
  password: string;
  database: string;
  /** The postmaster's pid: its cutime + cstime grow by each ended connection's backend. */
  pid: number;
  maxConnections: number;
  /** Connections of `user` open on the server now (pg_stat_activity, through the admin connection). */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL 15 for the bench, started like test/helpers/postgres.ts's (its process helpers:
 * a temp folder owned by nobody under root, 127.0.0.1 on a free port, scram-sha-256 over TCP), but
 * with `max_connections` chosen by the bench: the tests' 30 would cap the connections the bench
 * counts (and fail checks past 27 at once) before the probe could show that it holds too many. No
 * TLS (sql_probe's postgres default is off).
 */
export async function startBenchPostgres(maxConnections: number): Promise<BenchPostgres> {
  const dir = await serverFolder('deadpool-bench-pg-');
  const user = unprivileged();
  const pwfile = path.join(dir, 'superuser-password');
  await writeFile(pwfile, 'superuser-pw\n');
  if (user) await chown(pwfile, user.uid, user.gid);
  const data = path.join(dir, 'data');
  await runToEnd(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '--locale=C', '-E', 'UTF8'], dir);
  const port = await freePort();
  const server = startProcess(path.join(BIN, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', `max_connections=${maxConnections}`], dir);
  const admin = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
  admin.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    await admin.end().catch(() => undefined);
    await server.stop('SIGINT');
    await removeFolder(dir);
  };
  try {
    await waitFor(
      async () => {
        if (server.child.exitCode !== null) throw new Error(`postgres exited:\n${server.output}`);
        const probe = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return true;
        } catch {
          return false;
        } finally {
          await probe.end().catch(() => undefined);
        }
      },
      30_000,
      'postgres to accept connections',
    );
    await admin.connect();
    await admin.query(`CREATE ROLE deadpool LOGIN PASSWORD 'probe-pw-7'`);
    await admin.query('CREATE DATABASE app OWNER deadpool');
    return {
      port,
      user: 'deadpool',
      password: 'probe-pw-7',
      database: 'app',
      pid: server.child.pid!,
      maxConnections,
      connections: async () => Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'deadpool'`)).rows[0]?.n),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
