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
 * Every read of every metrics socket lands here and is copied out at once (a read and its
 * callback run together, so one buffer serves every socket). The default, a new 64 KB buffer per
 * read, left the responder's malloc heap 7-11 MB bigger after a minute of scrapes at 1 s: glibc
 * keeps freed chunks in its arena, and those are freed only when V8 collects their wrappers.
 */
const READS = Buffer.allocUnsafeSlow(64 * 1024);

/** The last answer's size: the next one is about the same, so its buffer is made once. */
let lastBytes = 256 * 1024;

/**
 * The watcher's metrics (metricsProtocol.ts), or undefined when it did not give all of them
 * within `budgetMs` (no socket, a frozen watcher, an answer over MAX_METRICS_BYTES or not in the
 * protocol). Never rejects: a scrape without the watcher's part still says what the responder knows.
 * The answer is gathered into one buffer of a power-of-two size (at least 256 KB): glibc serves
 * such a block with mmap and gives it back whole when it is freed.
 */
export function watcherMetrics(folder: string, budgetMs: number, clock: Clock = systemClock): Promise<WatcherMetricsParts | undefined> {
  return new Promise((resolve) => {
    let all = Buffer.allocUnsafeSlow(powerOfTwoAtLeast(lastBytes));
    let bytes = 0;
    let headerSeen = false;
    let done = false;
    const finish = (parts: WatcherMetricsParts | undefined): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve(parts);
    };
    const socket = net.createConnection({
      path: path.join(folder, FORCE_SOCKET),
      onread: {
        buffer: READS,
        callback: (nread: number, buffer: Uint8Array): boolean => {
          if (done) return false;
          if (bytes + nread > MAX_METRICS_BYTES) {
            finish(undefined);
            return false;
          }
          if (bytes + nread > all.length) {
            const bigger = Buffer.allocUnsafeSlow(powerOfTwoAtLeast(bytes + nread));
            all.copy(bigger, 0, 0, bytes);
            all = bigger;
          }
          all.set(buffer.subarray(0, nread), bytes);
          bytes += nread;
          if (!headerSeen && bytes > MAX_HEADER) {
            // Looked at once: an answer whose first line is longer is not in the protocol.
            headerSeen = true;
            if (all.subarray(0, MAX_HEADER).indexOf(10) < 0) finish(undefined);
          }
          return true;
        },
      },
    });
    const timer = clock.setTimeout(() => finish(undefined), budgetMs);
    socket.on('connect', () => socket.write(`${METRICS_REQUEST}\n`));
    socket.on('end', () => {
      lastBytes = bytes;
      finish(split(all.subarray(0, bytes)));
    });
    socket.on('error', () => finish(undefined));
  });
}

/** The header line, the shared part it announces as text, and the rest as the bytes that came. */
function split(answer: Buffer): WatcherMetricsParts | undefined {
  const newline = answer.indexOf(10);
  if (newline < 0 || newline > MAX_HEADER) return undefined;
  const sharedBytes = parseMetricsHeader(answer.subarray(0, newline).toString('utf8'));
  const start = newline + 1;
  if (sharedBytes === undefined || answer.length - start < sharedBytes) return undefined;
  const rest = answer.subarray(start + sharedBytes);
  return { shared: answer.subarray(start, start + sharedBytes).toString('utf8'), rest: rest.length === 0 ? [] : [rest] };
}

function powerOfTwoAtLeast(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(n, 256 * 1024)));
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
