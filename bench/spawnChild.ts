import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Everything it printed (stdout and stderr), for error messages. */
  readonly output: string;
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Child>();

/** Starts a child process that the bench stops at its end (or on Ctrl-C), whatever happens. */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  const keep = (data: Buffer): void => {
    // Bounded: a chatty child must not fill the bench's memory.
    output = (output + data.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  if (proc.pid === undefined) throw new Error(`cannot start ${command} ${args.join(' ')}`);
  const child: Child = {
    process: proc,
    pid: proc.pid,
    get output() {
      return output;
    },
    exited,
    async stop(graceMs = 3000) {
      running.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

/** Stops every child still running (the bench's cleanup). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(1000)));
}

/** Synchronous last resort for process exit: SIGKILL whatever is left. */
export function killAllChildrenNow(): void {
  for (const child of running) {
    child.process.kill('SIGCONT');
    child.process.kill('SIGKILL');
  }
}
