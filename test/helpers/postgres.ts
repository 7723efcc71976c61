import { chmod, chown, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { unprivileged } from './deadpoolProcess.ts';
import { freePort } from './responderClient.ts';
import { removeFolder, runToEnd, serverFolder, startProcess, type SqlTestServer } from './sqlServerProcess.ts';
import { waitFor } from './waitFor.ts';

const BIN = '/usr/lib/postgresql/15/bin';

/** Its `user` logs in with scram-sha-256 over TCP and owns `database`. */
export interface PostgresServer extends SqlTestServer {
  /** The postmaster's pid: its cutime + cstime grow by each ended connection's backend (the bench reads them). */
  pid: number;
  maxConnections: number;
}

/**
 * A real PostgreSQL 15 of its own on 127.0.0.1 and a free high port, in a temp folder (its unix
 * socket too), run as `nobody` when the tests run as root. TCP logins need a password; TLS is
 * offered with test/fixtures/tls's self-signed certificate for 127.0.0.1.
 */
/** `maxConnections`: 30 keeps the tests light; the bench asks for more, or the server would cap the connections it counts. */
export async function startPostgres({ maxConnections = 30 }: { maxConnections?: number } = {}): Promise<PostgresServer> {
  const dir = await serverFolder('deadpool-pg-');
  const user = unprivileged();
  const pwfile = path.join(dir, 'superuser-password');
  await writeFile(pwfile, 'superuser-pw\n');
  if (user) await chown(pwfile, user.uid, user.gid);
  const data = path.join(dir, 'data');
  await runToEnd(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '--locale=C', '-E', 'UTF8'], dir);
  // TLS offered (not required) with the committed self-signed certificate for 127.0.0.1; postgres wants its key private.
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await copyFile(new URL('../fixtures/tls/cert.pem', import.meta.url), cert);
  await copyFile(new URL('../fixtures/tls/key.pem', import.meta.url), key);
  await chmod(key, 0o600);
  if (user) for (const file of [cert, key]) await chown(file, user.uid, user.gid);
  const port = await freePort();
  const server = startProcess(
    path.join(BIN, 'postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', `max_connections=${maxConnections}`, '-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`],
    dir,
  );
  const stop = async (): Promise<void> => {
    // SIGINT: fast shutdown (ends the sessions); killed if it hangs.
    await server.stop('SIGINT');
    await removeFolder(dir);
  };
  try {
    const admin = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
    admin.on('error', () => undefined);
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
      20_000,
      'postgres to accept connections',
    );
    await admin.connect();
    const run = async (sql: string): Promise<Record<string, unknown>[]> => (await admin.query(sql)).rows as Record<string, unknown>[];
    await run(`CREATE ROLE deadpool LOGIN PASSWORD 'probe-pw-7'`);
    await run('CREATE DATABASE app OWNER deadpool');
    return {
      host: '127.0.0.1',
      port,
      user: 'deadpool',
      password: 'probe-pw-7',
      database: 'app',
      admin: run,
      connections: async () => Number((await run(`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'deadpool'`))[0]?.['n']),
      pid: server.child.pid!,
      maxConnections,
      stop: async () => {
        await admin.end().catch(() => undefined);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
