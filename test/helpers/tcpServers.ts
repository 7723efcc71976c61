import net from 'node:net';
import tls from 'node:tls';

export interface TcpServer {
  port: number;
  /** Connections accepted so far (for TLS: handshakes completed). */
  readonly accepted: number;
  /** Sockets still open on the server's side. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * A real TCP (or, with `tls`, TLS) server on 127.0.0.1 with a free port, handing each connection to
 * `onConnection`. `close` stops listening and destroys every open socket.
 */
export async function startTcpServer(onConnection: (socket: net.Socket) => void, tlsOptions?: tls.TlsOptions): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that leaves mid-exchange (the probe at its deadline) is part of the test, not an error.
    socket.on('error', () => undefined);
  };
  const handle = (socket: net.Socket): void => {
    accepted++;
    onConnection(socket);
  };
  let server: net.Server;
  if (tlsOptions) {
    server = tls.createServer(tlsOptions, handle);
    server.on('connection', track);
    // A client refusing our certificate fails the handshake: that is the test, not an error.
    server.on('tlsClientError', () => undefined);
  } else {
    server = net.createServer((socket) => {
      track(socket);
      handle(socket);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
