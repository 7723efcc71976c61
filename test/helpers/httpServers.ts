import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** The committed self-signed certificate for 127.0.0.1 (see test/fixtures/tls/README.md). */
export const selfSigned = {
  key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url)),
  cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)),
};

export interface TestServer {
  /** `http://127.0.0.1:<port>` (or https). */
  origin: string;
  port: number;
  /** Resolves when the server has seen this many requests (for tests that act on arrival, not on a guess). */
  requests(count?: number): Promise<void>;
  /** Stops listening and destroys every open socket, so no test leaves ava waiting. */
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with a free port; `tls` makes it HTTPS. */
export async function startServer(handler: http.RequestListener, tls?: https.ServerOptions): Promise<TestServer> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that rejects our certificate makes the TLS handshake fail; that is the test, not an error.
  server.on('tlsClientError', () => {});
  let seen = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  server.on('request', () => {
    seen++;
    for (const waiter of waiters.filter((w) => w.count <= seen)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests: (count = 1) => (seen >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A port that was free a moment ago and has nothing listening on it now. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
