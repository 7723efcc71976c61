import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Limits against slow or greedy clients. Cloudflare sends one small GET and reads a small answer
 * within its 5 s timeout, so anything slower than these is not a monitor and may be dropped.
 */
export const SERVER_LIMITS = {
  /** Whole header block must arrive within this (slowloris). */
  headersTimeout: 10_000,
  /** Whole request must arrive within this. */
  requestTimeout: 15_000,
  /** Idle keep-alive sockets are closed after this. */
  keepAliveTimeout: 5_000,
  /** Any socket idle this long is closed, whatever state it is in. */
  socketTimeout: 30_000,
  maxHeadersCount: 64,
  maxHeaderSize: 16 * 1024,
  /**
   * No limit (Node's default): a kept-alive socket serves as many requests as its client sends.
   * It was 1,000, which under a flood closed and re-opened some 30 sockets a second, each one's
   * objects promoted to the old generation and thrown away (about 0.25 MB/s of it, no full GC for
   * a minute), for about 2.5 % of the CPU per answer (BENCHMARKS.md, "Session 8"). Recycling
   * protects nothing here: there is no pool of sockets to pin, idle ones close after
   * keepAliveTimeout, and a client that reconnects costs more, not less.
   */
  maxRequestsPerSocket: 0,
} as const;

export interface StartServerOptions {
  host: string;
  port: number;
  /** A listening socket received from systemd (socket activation): used instead of binding host:port. */
  fd?: number;
  /** How long close() lets answers in progress finish before cutting their sockets. */
  closeGraceMs?: number;
}

export interface RunningServer {
  server: http.Server;
  /** Where it actually listens (port 0 asks the OS for a free port). */
  address: AddressInfo;
  /** Stops accepting, ends idle keep-alive sockets at once, busy ones after the grace period. */
  close(): Promise<void>;
}

/** Listens with the app's callback on host:port; rejects with a message naming both if it cannot. */
export async function startServer(app: { callback(): http.RequestListener }, options: StartServerOptions): Promise<RunningServer> {
  const server = http.createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeout,
      requestTimeout: SERVER_LIMITS.requestTimeout,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeout,
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    },
    app.callback(),
  );
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeout;
  server.timeout = SERVER_LIMITS.socketTimeout;
  server.maxHeadersCount = SERVER_LIMITS.maxHeadersCount;
  server.maxRequestsPerSocket = SERVER_LIMITS.maxRequestsPerSocket;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = options.fd === undefined ? `${options.host}:${options.port}` : `the socket passed by systemd (fd ${options.fd})`;
      reject(new Error(`cannot listen on ${where}: ${error.code ?? error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(options.fd === undefined ? { host: options.host, port: options.port } : { fd: options.fd }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 2000);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    }));
  return { server, address: server.address() as AddressInfo, close };
}
