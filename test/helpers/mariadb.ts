import path from 'node:path';
import mysql from 'mysql2/promise';
import { unprivileged } from './deadpoolProcess.ts';
import { freePort } from './responderClient.ts';
import { removeFolder, runToEnd, serverFolder, startProcess, type SqlTestServer } from './sqlServerProcess.ts';
import { waitFor } from './waitFor.ts';

/** Its `user` is allowed everything: an unknown database is then "Unknown database", not "Access denied". */
export type MariadbServer = SqlTestServer;

/**
 * A real MariaDB 10.11 of its own on 127.0.0.1 and a free high port, in a temp folder (its socket
 * too), run as `nobody` when the tests run as root.
 */
export async function startMariadb(): Promise<MariadbServer> {
  const dir = await serverFolder('deadpool-mariadb-');
  const data = path.join(dir, 'data');
  const socketPath = path.join(dir, 'mysqld.sock');
  const user = unprivileged();
  await runToEnd('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...(user ? ['--user=nobody'] : []), '--auth-root-authentication-method=normal', '--skip-test-db'], dir);
  const port = await freePort();
  const server = startProcess(
    '/usr/sbin/mariadbd',
    ['--no-defaults', `--datadir=${data}`, `--socket=${socketPath}`, `--port=${port}`, '--bind-address=127.0.0.1', `--pid-file=${path.join(dir, 'mariadbd.pid')}`, '--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=16M', '--innodb-log-file-size=8M', '--skip-innodb-doublewrite'],
    dir,
  );
  const stop = async (): Promise<void> => {
    await server.stop('SIGTERM');
    await removeFolder(dir);
  };
  try {
    const admin = await waitFor(
      async () => {
        if (server.child.exitCode !== null) throw new Error(`mariadbd exited:\n${server.output}`);
        return mysql.createConnection({ socketPath, user: 'root' }).catch(() => undefined);
      },
      30_000,
      'mariadbd to accept connections',
    );
    admin.on('error', () => undefined);
    const run = async (sql: string): Promise<Record<string, unknown>[]> => {
      const [rows] = await admin.query(sql);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    };
    await run(`CREATE USER 'deadpool'@'%' IDENTIFIED BY 'probe-pw-7'`);
    await run('CREATE DATABASE app');
    await run(`GRANT ALL ON *.* TO 'deadpool'@'%'`);
    return {
      host: '127.0.0.1',
      port,
      user: 'deadpool',
      password: 'probe-pw-7',
      database: 'app',
      admin: run,
      connections: async () => Number((await run(`SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'deadpool'`))[0]?.['n']),
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
