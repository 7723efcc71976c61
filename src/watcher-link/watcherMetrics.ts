import net from 'node:net';
import path from 'node:path';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { FORCE_SOCKET } from './forceProtocol.ts';
import { MAX_METRICS_BYTES, METRICS_REQUEST } from './metricsProtocol.ts';

/**
 * The watcher's metrics text, or undefined when it did not give all of it within `budgetMs`
 * (no socket, a frozen watcher, an answer over MAX_METRICS_BYTES). Never rejects: a scrape
 * without the watcher's part still says what the responder knows.
 */
export function watcherMetrics(folder: string, budgetMs: number, clock: Clock = systemClock): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const socket = net.createConnection(path.join(folder, FORCE_SOCKET));
    const finish = (text: string | undefined): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = clock.setTimeout(() => finish(undefined), budgetMs);
    socket.on('connect', () => socket.write(`${METRICS_REQUEST}\n`));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_METRICS_BYTES) return finish(undefined);
      chunks.push(chunk);
    });
    socket.on('end', () => finish(bytes > 0 ? Buffer.concat(chunks).toString('utf8') : undefined));
    socket.on('error', () => finish(undefined));
  });
}

/** Scrapes that overlap share one request to the watcher (Prometheus servers in HA pairs scrape at the same time). */
export class SharedWatcherMetrics {
  readonly #folder: string;
  readonly #clock: Clock;
  #pending: Promise<string | undefined> | undefined;

  constructor(folder: string, clock: Clock = systemClock) {
    this.#folder = folder;
    this.#clock = clock;
  }

  get(budgetMs: number): Promise<string | undefined> {
    this.#pending ??= watcherMetrics(this.#folder, budgetMs, this.#clock).finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}
