import { spawn, type ChildProcess } from 'node:child_process';
import { reachableRoot, repoPathFor } from './reachableRepo.ts';
import { waitFor } from './waitFor.ts';

export interface DeadpoolProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code (or the signal name), rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | string>;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (tests running as root use `unprivileged()`, as the README advises for production). */
  user?: { uid: number; gid: number };
  /** Options for node itself, before the script (e.g. V8 flags). */
  nodeArgs?: readonly string[];
}

/** The user to run DeadPool as in tests: `nobody` when the tests run as root (where chmod means nothing), else ourselves. */
export function unprivileged(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

/** Starts the real `deadpool` CLI as a child process, collecting its output. */
export function startDeadpool(args: string[], options: StartOptions = {}): DeadpoolProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), repoPathFor(options.user, 'bin/deadpool.js'), ...args], {
    // A working folder the user can enter: a child it spawns (esbuild, for tsx) must chdir there.
    cwd: options.cwd ?? reachableRoot(options.user),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async exited(timeoutMs = 10_000) {
      let done: number | string | undefined;
      void exit.then((v) => (done = v));
      await waitFor(() => done !== undefined, timeoutMs, `deadpool ${args.join(' ')} to exit`);
      return done as number | string;
    },
  };
}

/** Runs a one-shot command to completion. */
export async function runDeadpool(args: string[], options: StartOptions = {}) {
  const proc = startDeadpool(args, options);
  const code = await proc.exited(30_000);
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}
