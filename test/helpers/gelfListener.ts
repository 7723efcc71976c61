import dgram from 'node:dgram';
import net from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** Real GELF inputs on 127.0.0.1 for tests: what Graylog would receive, decoded. */

export type GelfMessage = Record<string, unknown>;
export interface Received {
  gelf: GelfMessage;
  /** UDP datagrams the message came in (1 when not chunked, 0 for TCP). */
  chunks: number;
}

export interface GelfListener {
  port: number;
  received: Received[];
  /** Packets or frames that could not be decoded. */
  errors: Error[];
  /** The first message (already received or to come) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (gelf: GelfMessage) => boolean, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

function collector(): Pick<GelfListener, 'received' | 'errors' | 'waitFor'> & { add(payload: Buffer, chunks: number): void } {
  const received: Received[] = [];
  const errors: Error[] = [];
  const waiters = new Set<(r: Received) => void>();
  return {
    received,
    errors,
    add(payload, chunks) {
      try {
        const text = payload[0] === 0x78 ? inflateSync(payload) : payload[0] === 0x1f && payload[1] === 0x8b ? gunzipSync(payload) : payload;
        const r = { gelf: JSON.parse(text.toString('utf8')) as GelfMessage, chunks };
        received.push(r);
        for (const waiter of waiters) waiter(r);
      } catch (error) {
        errors.push(error as Error);
      }
    },
    waitFor(predicate, timeoutMs = 2_000) {
      const found = received.find((r) => predicate(r.gelf));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (r: Received): void => {
          if (!predicate(r.gelf)) return;
          cleanup();
          resolve(r);
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = received.map((r) => JSON.stringify(r.gelf.short_message)).join(', ');
          reject(new Error(`no matching GELF message within ${timeoutMs} ms; received: [${seen}]; errors: ${errors.length}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
      });
    },
  };
}

const MAGIC = [0x1e, 0x0f];

export async function startUdpGelfListener(): Promise<GelfListener> {
  const c = collector();
  const partial = new Map<string, { count: number; parts: Map<number, Buffer> }>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (packet) => {
    if (packet[0] !== MAGIC[0] || packet[1] !== MAGIC[1]) return c.add(packet, 1);
    // Chunk: magic (2) + message id (8) + sequence number (1) + sequence count (1) + data.
    const id = packet.subarray(2, 10).toString('hex');
    const [seq, count] = [packet[10]!, packet[11]!];
    if (count < 1 || count > 128 || seq >= count) return c.errors.push(new Error(`bad chunk ${seq}/${count}`));
    const entry = partial.get(id) ?? { count, parts: new Map<number, Buffer>() };
    partial.set(id, entry);
    entry.parts.set(seq, packet.subarray(12));
    if (entry.parts.size < entry.count) return;
    partial.delete(id);
    const ordered = Array.from({ length: entry.count }, (_, i) => entry.parts.get(i)!);
    c.add(Buffer.concat(ordered), entry.count);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return { ...c, port, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** A TCP server; `onSocket` decides what happens to each connection. */
async function startTcpServer(onSocket: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

const stopTcpServer = (server: net.Server, sockets: Set<net.Socket>): Promise<void> =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

export async function startTcpGelfListener(): Promise<GelfListener> {
  const c = collector();
  const { server, port, sockets } = await startTcpServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
        if (end > 0) c.add(buffered.subarray(0, end), 0);
        buffered = buffered.subarray(end + 1);
      }
    });
  });
  return { ...c, port, close: () => stopTcpServer(server, sockets) };
}

/** Accepts connections and never reads from them: a hung Graylog. */
export async function startSilentTcpServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  const { server, port, sockets } = await startTcpServer((socket) => socket.pause());
  return { port, connections: () => sockets.size, close: () => stopTcpServer(server, sockets) };
}

/** A port nothing listens on: connections are refused. */
export async function refusedPort(): Promise<number> {
  const { server, port, sockets } = await startTcpServer(() => {});
  await stopTcpServer(server, sockets);
  return port;
}

/** Open sockets of this process, by kind, from Node's own view. */
export function openSockets(): { tcp: number; udp: number } {
  const kinds = process.getActiveResourcesInfo();
  return { tcp: kinds.filter((k) => k === 'TCPSocketWrap').length, udp: kinds.filter((k) => k === 'UDPWrap').length };
}

/** Polls (each turn of the event loop, at most `timeoutMs`) until `check` holds; false if it never did. */
export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}
