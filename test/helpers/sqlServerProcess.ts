import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { unprivileged } from './deadpoolProcess.ts';
import { waitFor } from './waitFor.ts';

/** What the PostgreSQL and MariaDB helpers share: a temp folder the server's user owns, and its processes. */

/** A temp folder owned by the user the servers run as (`nobody` under root: postgres refuses root). */
export async function serverFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const user = unprivileged();
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

/** What the SQL probe tests need of a server they started, whatever its kind. */
export interface SqlTestServer {
  host: '127.0.0.1';
  port: number;
  /** A login with a password that may use `database`. */
  user: string;
  password: string;
  database: string;
  /** Runs SQL as the server's superuser, over the unix socket. */
  admin(sql: string): Promise<Record<string, unknown>[]>;
  /** Connections of `user` open on the server now. */
  connections(): Promise<number>;
  stop(): Promise<void>;
}

export interface ServerProcess {
  child: ChildProcess;
  readonly output: string;
  /** Asks it to stop with `signal`, then kills it if it has not exited within `timeoutMs`. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export function startProcess(command: string, args: string[], cwd: string): ServerProcess {
  const user = unprivileged();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, ...(user ?? {}) });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  // A test process that ends without its teardown (ava's timeout) leaves no server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => {
    exited = true;
    process.removeListener('exit', killOnExit);
  });
  return {
    child,
    get output() {
      return output;
    },
    async stop(signal, timeoutMs = 10_000) {
      if (exited) return;
      child.kill(signal);
      try {
        await waitFor(() => exited, timeoutMs, `${path.basename(command)} to stop`);
      } catch {
        child.kill('SIGKILL');
        await waitFor(() => exited, 5000, `${path.basename(command)} to die`);
      }
    },
  };
}

/** Runs a command to completion (bounded); throws with its output when it fails. */
export async function runToEnd(command: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<void> {
  const proc = startProcess(command, args, cwd);
  let code: number | null | undefined;
  proc.child.once('exit', (c) => (code = c ?? -1));
  try {
    await waitFor(() => code !== undefined, timeoutMs, `${path.basename(command)} to finish`);
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${proc.output}`);
}

export const removeFolder = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });
