import { createRequire } from 'node:module';
import net from 'node:net';

/**
 * gelf-pro 1.4's transports (UDP: deflate + chunks of 1388 bytes; TCP: JSON + NUL byte), one private
 * instance per sink. gelf-pro's own `send()` goes through a module-wide adapter cached on the first
 * message, so two sinks (or a test and the app) would share one host and port.
 */

type SendCallback = (error?: Error | null, bytes?: number) => void;

interface Adapter {
  options: Record<string, unknown>;
  setOptions(options: Record<string, unknown>): Adapter;
  send(message: string, cb: SendCallback): void;
  /** The TCP adapter's socket factory, documented as protected: the tcp-tls adapter overrides it too. */
  _instance(options: net.NetConnectOpts): net.Socket;
}

export interface GelfAdapterOptions {
  protocol: 'udp' | 'tcp';
  port: number;
  family: 4 | 6;
  /** TCP only: idle limit from connect to close; gelf-pro's default is 10 s. */
  timeoutMs: number;
}

export interface GelfAdapter {
  /** `address` must be an IP: gelf-pro would otherwise resolve the name once per message. Calls back
   * once the socket is gone. */
  send(address: string, payload: string, cb: SendCallback): void;
  /** TCP sockets still open. */
  openSockets(): number;
  destroyAll(): void;
}

const require = createRequire(import.meta.url);

export function gelfProAdapter({ protocol, port, family, timeoutMs }: GelfAdapterOptions): GelfAdapter {
  const adapter = Object.create(require(`gelf-pro/lib/adapter/${protocol}.js`) as Adapter) as Adapter;
  adapter.setOptions(protocol === 'udp' ? { port, protocol: `udp${family}` } : { port, family, timeout: timeoutMs });
  const sockets = new Set<net.Socket>();
  let created: net.Socket | undefined;
  if (protocol === 'tcp') {
    adapter._instance = (options) => {
      const socket = (created = net.connect(options));
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      // gelf-pro listens with once('error'): a second error would be unhandled and kill the process.
      socket.on('error', () => {});
      // GELF over TCP is one-way: once our bytes and FIN are out, waiting for the server's FIN only
      // keeps the socket open until the timeout (a server that never closes would pile them up).
      socket.once('finish', () => socket.destroy());
      return socket;
    };
  }
  return {
    send(address, payload, cb) {
      adapter.options = { ...adapter.options, host: address };
      created = undefined;
      let socket: net.Socket | undefined;
      // gelf-pro calls back before its socket is gone, and the caller counts sockets: wait for TCP's
      // 'close'. UDP has no such event: libuv frees the handle at the end of this loop turn, before any timer.
      adapter.send(payload, (error, bytes) => {
        if (protocol === 'udp') setTimeout(cb, 0, error, bytes);
        else if (socket && sockets.has(socket)) socket.once('close', () => cb(error, bytes));
        else cb(error, bytes);
      });
      socket = created; // made synchronously inside send() by _instance
    },
    openSockets: () => sockets.size,
    destroyAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
