import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { freePort } from './responderClient.ts';
import { waitFor } from './waitFor.ts';

/** A server process of a real product (redis-server, dnsmasq) started by a test, on 127.0.0.1, in a temp folder. */
export interface RealServer {
  port: number;
  dir: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  readonly output: string;
  /** Stops it (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `command` with the arguments `args(port, dir)` gives, waits (bounded) until its output
 * matches `ready`, and stops it and removes its folder in the test's teardown.
 */
export async function startRealServer(
  t: ExecutionContext,
  command: string,
  args: (port: number, dir: string) => string[],
  ready: RegExp,
  readyWithinMs = 15000,
  /** Prepares the folder (certificates, say) before the server starts. */
  prepare?: (dir: string) => Promise<void>,
): Promise<RealServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-real-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await prepare?.(dir);
  const port = await freePort();
  const child = spawn(command, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  const stop = async (): Promise<void> => {
    if (!running) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  t.teardown(stop);
  await waitFor(() => ready.test(output) || !running, readyWithinMs, `${path.basename(command)} to be ready`);
  if (!running) throw new Error(`${command} exited at start:\n${output}`);
  return {
    port,
    dir,
    child,
    get output() {
      return output;
    },
    stop,
  };
}
