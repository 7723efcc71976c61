import net from 'node:net';
import path from 'node:path';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { FORCE_SOCKET } from './forceProtocol.ts';
import { MAX_METRICS_BYTES, METRICS_REQUEST, parseMetricsHeader } from './metricsProtocol.ts';

/** The watcher's answer: the part to merge as text, and the rest as the bytes that came. */
export interface WatcherMetricsParts {
  shared: string;
  rest: Buffer[];
}

/** A header line longer than this is not one. */
const MAX_HEADER = 100;

/**
 * The watcher's metrics (metricsProtocol.ts), or undefined when it did not give all of them
 * within `budgetMs` (no socket, a frozen watcher, an answer over MAX_METRICS_BYTES or not in the
 * protocol). Never rejects: a scrape without the watcher's part still says what the responder knows.
 */
export function watcherMetrics(folder: string, budgetMs: number, clock: Clock = systemClock): Promise<WatcherMetricsParts | undefined> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let sharedBytes: number | undefined;
    const rest: Buffer[] = [];
    let bytes = 0;
    let done = false;
    const socket = net.createConnection(path.join(folder, FORCE_SOCKET));
    const finish = (parts: WatcherMetricsParts | undefined): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve(parts);
    };
    const timer = clock.setTimeout(() => finish(undefined), budgetMs);
    socket.on('connect', () => socket.write(`${METRICS_REQUEST}\n`));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_METRICS_BYTES) return finish(undefined);
      if (sharedBytes !== undefined && head.length >= sharedBytes) return void rest.push(chunk);
      // The header line and the shared part are small (a few KB): gathered into one buffer.
      head = Buffer.concat([head, chunk]);
      if (sharedBytes === undefined) {
        const newline = head.indexOf(10);
        if (newline < 0) return head.length > MAX_HEADER ? finish(undefined) : undefined;
        sharedBytes = parseMetricsHeader(head.subarray(0, newline).toString('utf8'));
        if (sharedBytes === undefined) return finish(undefined);
        head = head.subarray(newline + 1);
      }
      if (head.length > sharedBytes) {
        rest.push(head.subarray(sharedBytes));
        head = head.subarray(0, sharedBytes);
      }
    });
    socket.on('end', () => finish(sharedBytes !== undefined && head.length === sharedBytes ? { shared: head.toString('utf8'), rest } : undefined));
    socket.on('error', () => finish(undefined));
  });
}

/** Scrapes that overlap share one request to the watcher (Prometheus servers in HA pairs scrape at the same time). */
export class SharedWatcherMetrics {
  readonly #folder: string;
  readonly #clock: Clock;
  #pending: Promise<WatcherMetricsParts | undefined> | undefined;

  constructor(folder: string, clock: Clock = systemClock) {
    this.#folder = folder;
    this.#clock = clock;
  }

  get(budgetMs: number): Promise<WatcherMetricsParts | undefined> {
    this.#pending ??= watcherMetrics(this.#folder, budgetMs, this.#clock).finally(() => (this.#pending = undefined));
    return this.#pending;
  }
}
