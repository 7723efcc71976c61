import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from './waitFor.ts';

export const HAPROXY = '/usr/sbin/haproxy';

/** One server's line of `show stat`, by column name (status, weight, agent_status, last_agt…). */
export type ServerStat = Record<string, string>;

export interface Haproxy {
  /** The server `dc1` of backend `be` as `show stat` has it now. */
  stat(): Promise<ServerStat>;
  /** `show servers state be` for `dc1`: the admin state and operational state numbers, for messages. */
  serversState(): Promise<string>;
  readonly output: string;
  stop(): Promise<void>;
}

/**
 * A real HAProxy (Debian's 2.6) in the foreground (`-db`), started from a temp config in `dir`:
 * backend `be` with one server `dc1` at `backendPort` with the given weight, its health checked
 * (TCP) and its agent asked every `agentInterMs` on `agentPort`, and an admin stats socket read
 * with node:net.
 */
export async function startHaproxy(options: { dir: string; backendPort: number; agentPort: number; agentInterMs: number; weight?: number }): Promise<Haproxy> {
  const socketPath = path.join(options.dir, 'haproxy.sock');
  const config = path.join(options.dir, 'haproxy.cfg');
  await writeFile(
    config,
    `global
  stats socket ${socketPath} level admin
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend be
  server dc1 127.0.0.1:${options.backendPort} weight ${options.weight ?? 100} check agent-check agent-port ${options.agentPort} agent-inter ${options.agentInterMs}ms
`,
  );
  const child = spawn(HAPROXY, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const command = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      let answer = '';
      socket.on('connect', () => socket.end(`${text}\n`));
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  const stat = async (): Promise<ServerStat> => {
    const lines = (await command('show stat')).split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const row = lines.find((line) => line.startsWith('be,dc1,'));
    if (!row) throw new Error(`no be/dc1 in show stat: ${lines.slice(0, 3).join(' | ')}`);
    const fields = row.split(',');
    return Object.fromEntries(header.map((name, i) => [name, fields[i] ?? '']));
  };
  await waitFor(() => stat().then(() => true, () => child.exitCode !== null && Promise.reject(new Error(`haproxy exited: ${output}`))), 20_000, () => `haproxy's stats socket: ${output}`);
  return {
    stat,
    serversState: async () => (await command('show servers state be')).split('\n').find((line) => / dc1 /.test(line)) ?? '',
    get output() {
      return output;
    },
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
