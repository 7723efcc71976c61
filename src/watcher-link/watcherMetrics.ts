import net from 'node:net';
import path from 'node:path';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { FORCE_SOCKET } from './forceProtocol.ts';
import { MAX_METRICS_BYTES, METRICS_REQUEST, parseMetricsHeader } from './metricsProtocol.ts';

/** The watcher's answer: the part to merge as text, and the rest as the bytes that came. */
export interface WatcherMetricsParts {
  shared: string;
  rest: Buffer[];
  /**
   * Says the scrape is done with `rest`: `sent` once its answer was handed to the kernel whole
   * (the block may then be reused), not `sent` when it was cut (a write may still hold it: it is
   * left to the garbage collector). Called once; later calls change nothing.
   */
  release(sent: boolean): void;
}

/** What one request to the watcher gave, and the block its bytes are in. */
interface Answer {
  parts: Omit<WatcherMetricsParts, 'release'> | undefined;
  block: Buffer;
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

/** The smallest block an answer is gathered in: 1,000 probes answer about 300 KB. */
const MIN_BLOCK = 256 * 1024;
/** The biggest block kept for the next answer (10,000 probes answer 3.5 MB): one grown by a runaway answer is dropped. */
const MAX_KEPT_BLOCK = 8 * 1024 * 1024;

/**
 * The watcher's metrics (metricsProtocol.ts) gathered into `block` (or a bigger one from `allocate`
 * when it does not fit), with the block it is in; `parts` undefined when the watcher did not give all of them
 * within `budgetMs` (no socket, a frozen watcher, an answer over MAX_METRICS_BYTES or not in the
 * protocol). Never rejects: a scrape without the watcher's part still says what the responder knows.
 */
function askWatcher(folder: string, budgetMs: number, clock: Clock, block: Buffer, allocate: (size: number) => Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    let all = block;
    let bytes = 0;
    let headerSeen = false;
    let done = false;
    const finish = (parts: Answer['parts']): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve({ parts, block: all });
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
            const bigger = allocate(powerOfTwoAtLeast(bytes + nread));
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
    socket.on('end', () => finish(split(all.subarray(0, bytes))));
    socket.on('error', () => finish(undefined));
  });
}

/** The header line, the shared part it announces as text, and the rest as the bytes that came. */
function split(answer: Buffer): Answer['parts'] {
  const newline = answer.indexOf(10);
  if (newline < 0 || newline > MAX_HEADER) return undefined;
  const sharedBytes = parseMetricsHeader(answer.subarray(0, newline).toString('utf8'));
  const start = newline + 1;
  if (sharedBytes === undefined || answer.length - start < sharedBytes) return undefined;
  const rest = answer.subarray(start + sharedBytes);
  return { shared: answer.subarray(start, start + sharedBytes).toString('utf8'), rest: rest.length === 0 ? [] : [rest] };
}

function powerOfTwoAtLeast(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(n, MIN_BLOCK)));
}

/** One request to the watcher and the scrapes holding its answer. */
interface Loan {
  answer: Promise<Answer>;
  holders: number;
  /** A holder's answer was cut: its block may still be in a write. */
  spoiled: boolean;
  settled: Answer | undefined;
}

/**
 * The responder's client for the watcher's metrics. Scrapes that overlap share one request to
 * the watcher (Prometheus servers in HA pairs scrape at the same time), and the answers are
 * gathered in one block of a power-of-two size (at least 256 KB), lent to the scrapes holding it
 * and gathered into again once all of them have sent it. A new block per scrape was freed only
 * when V8 collected its wrapper, which had often been promoted while the answer went out: at 1
 * scrape/s the responder carried 5-10 MB of such blocks between full collections.
 */
export class SharedWatcherMetrics {
  readonly #folder: string;
  readonly #clock: Clock;
  readonly #allocate: (size: number) => Buffer;
  #pending: Loan | undefined;
  /** The block no scrape holds, ready for the next request. */
  #spare: Buffer | undefined;

  /** `allocate` makes the blocks (a test counts them). */
  constructor(folder: string, clock: Clock = systemClock, allocate: (size: number) => Buffer = (size) => Buffer.allocUnsafeSlow(size)) {
    this.#folder = folder;
    this.#clock = clock;
    this.#allocate = allocate;
  }

  /** The watcher's metrics within `budgetMs`, or undefined; the caller must `release` what it got. */
  async get(budgetMs: number): Promise<WatcherMetricsParts | undefined> {
    const loan = (this.#pending ??= this.#ask(budgetMs));
    loan.holders++;
    const answer = await loan.answer;
    let released = false;
    const release = (sent: boolean): void => {
      if (released) return;
      released = true;
      if (!sent) loan.spoiled = true;
      loan.holders--;
      this.#giveBack(loan);
    };
    if (answer.parts === undefined) {
      release(true);
      return undefined;
    }
    return { ...answer.parts, release };
  }

  #ask(budgetMs: number): Loan {
    const block = this.#spare ?? this.#allocate(MIN_BLOCK);
    this.#spare = undefined;
    const loan: Loan = { answer: askWatcher(this.#folder, budgetMs, this.#clock, block, this.#allocate), holders: 0, spoiled: false, settled: undefined };
    void loan.answer.then((answer) => {
      loan.settled = answer;
      if (this.#pending === loan) this.#pending = undefined;
      this.#giveBack(loan);
    });
    return loan;
  }

  /** The loan's block, once nobody holds it and nobody can take it any more, kept for the next request (the bigger one, if two). */
  #giveBack(loan: Loan): void {
    if (loan.holders > 0 || loan.settled === undefined || loan.spoiled) return;
    const { block } = loan.settled;
    loan.settled = undefined;
    if (block.length <= MAX_KEPT_BLOCK && (this.#spare === undefined || this.#spare.length < block.length)) this.#spare = block;
  }
}
