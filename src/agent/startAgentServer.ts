import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Where to listen: an address, or a socket already listening (systemd socket activation hands over its fd). */
export type AgentListen = { host: string; port: number } | { fd: number };

export interface AgentServerOptions {
  listen: AgentListen;
  /** The line to answer now, without its newline; called once per connection. */
  line: () => string;
  /** A line that could not be made (a bug): the connection is closed without an answer, which HAProxy takes as no news. */
  onError?: (error: unknown) => void;
}

export interface AgentServer {
  /** Where it listens (for an fd: what the socket says). */
  address: AddressInfo;
  close(): Promise<void>;
}

/** HAProxy reads the line and closes at once; a peer that keeps its side open is cut after this. */
const LINGER_MS = 5000;

/**
 * The HAProxy agent-check listener: each connection gets one line and is closed; what the peer
 * sends (`agent-send`) is not read. HAProxy closes with a reset once it has the line, so socket
 * errors are expected and ignored: they concern one finished answer, never the listener.
 */
export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setTimeout(LINGER_MS, () => socket.destroy());
    let line: string;
    try {
      line = options.line();
    } catch (error) {
      options.onError?.(error);
      socket.destroy();
      return;
    }
    socket.end(`${line}\n`);
    // Nothing the peer sends matters: reading it keeps the socket from stalling on a full buffer.
    socket.resume();
  });
  const where = 'fd' in options.listen ? `fd ${options.listen.fd}` : `${options.listen.host}:${options.listen.port}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(new Error(`the HAProxy agent cannot listen on ${where}: ${error.code ?? error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen('fd' in options.listen ? { fd: options.listen.fd } : { host: options.listen.host, port: options.listen.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    address: server.address() as AddressInfo,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
