import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STARTUP_MS, waitFor } from './waitFor.ts';

/** One datagram that reached the socket. */
export interface Notification {
  /** Epoch ms of its arrival. */
  at: number;
  /** Its KEY=VALUE fields. */
  fields: Record<string, string>;
}

export interface NotifyReceiver {
  /** The path to give as NOTIFY_SOCKET. */
  socket: string;
  /** Everything received so far, BARRIER=1 (systemd-notify's wait for systemd) left out. */
  readonly received: Notification[];
  close(): Promise<void>;
}

// A real AF_UNIX datagram socket, as systemd's: Node cannot open one, python3 can. Each datagram is
// printed as one JSON line. Receiving without room for ancillary data closes the fd a BARRIER=1
// carries, which is what releases systemd-notify's wait.
const SCRIPT = `
import json, os, socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
print(json.dumps({"listening": True}), flush=True)
while True:
    data = s.recv(65536)
    print(json.dumps({"at": time.time() * 1000, "text": data.decode("utf-8", "replace")}), flush=True)
`;

/** Starts a NOTIFY_SOCKET that records what arrives; any user can send to it. */
export async function startNotifyReceiver(): Promise<NotifyReceiver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deadpool-notify-'));
  fs.chmodSync(dir, 0o755);
  const socket = path.join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: Notification[] = [];
  let listening = false;
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, end)) as { listening?: boolean; at: number; text: string };
      buffered = buffered.slice(end + 1);
      if (line.listening) {
        listening = true;
        continue;
      }
      const fields = Object.fromEntries(
        line.text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if (fields['BARRIER'] === '1') continue;
      received.push({ at: line.at, fields });
    }
  });
  await waitFor(() => listening, STARTUP_MS, 'the NOTIFY_SOCKET receiver to listen');
  return {
    socket,
    received,
    async close() {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await gone;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
