import net from 'node:net';
import { cachedLookup, type LookupFn } from '../log/cachedLookup.ts';
import type { Logger } from '../log/Logger.ts';
import type { Clock } from '../clock/Clock.ts';

export interface GraphiteSenderDeps {
  server: string;
  port: number;
  intervalMs: number;
  /** The lines of one interval (plaintext protocol, each ending in "\n"), given the time in whole seconds. */
  batch: (nowS: number) => Promise<string>;
  clock: Clock;
  log: Logger;
  /** Longest a batch may take to resolve, connect and be written; past it the connection is cut. Default: the interval, at most 10 s. */
  sendTimeoutMs?: number;
  /** Least time between two loss reports. */
  reportEveryMs?: number;
  /** For tests: a resolver that hangs or fails on demand. */
  lookup?: LookupFn;
}

export interface GraphiteStats {
  sent: number;
  /** Attempted but failed: DNS, connection, timeout. */
  failed: number;
  /** Never attempted: the previous batch was still being sent. */
  dropped: number;
  /** Batches being sent now: 0 or 1. */
  inFlight: number;
}

/**
 * CoCo's metrics to graphite: every interval, one batch of plaintext lines over a fresh TCP
 * connection. A carbon server that is down, slow or unresolvable never blocks the watcher and
 * never grows its memory: one batch at most is in flight (a batch due meanwhile is dropped and
 * counted), each send has a deadline, the name is resolved by `cachedLookup` (one lookup at a
 * time, failures remembered), and losses are logged at most once per `reportEveryMs`, as the
 * GELF sink does, with one line when sending works again.
 */
export class GraphiteSender {
  readonly #deps: Required<Omit<GraphiteSenderDeps, 'lookup'>> & Pick<GraphiteSenderDeps, 'lookup'>;
  readonly #resolve: ReturnType<typeof cachedLookup>;
  readonly #stats: GraphiteStats = { sent: 0, failed: 0, dropped: 0, inFlight: 0 };
  readonly #losses = { failed: 0, dropped: 0, lastError: undefined as string | undefined };
  #failing = false;
  #lastReport = -Infinity;
  #reportTimer: unknown;
  #timer: unknown;
  #socket: net.Socket | undefined;
  #stopped = false;

  constructor(deps: GraphiteSenderDeps) {
    this.#deps = { sendTimeoutMs: Math.min(deps.intervalMs, 10_000), reportEveryMs: 60_000, ...deps };
    this.#resolve = cachedLookup(deps.server, { family: 4, timeoutMs: this.#deps.sendTimeoutMs, ...(deps.lookup ? { lookup: deps.lookup } : {}) });
  }

  get target(): string {
    return `${this.#deps.server}:${this.#deps.port}`;
  }

  stats(): GraphiteStats {
    return { ...this.#stats };
  }

  /** The first batch after one interval, then one per interval on the clock's grid. */
  start(): void {
    const { clock, intervalMs } = this.#deps;
    const first = clock.now() + intervalMs;
    const tick = (at: number): void => {
      this.#timer = clock.setTimeout(() => {
        if (this.#stopped) return;
        this.tick();
        // Skips the grid points a blocked loop missed instead of sending a burst of batches.
        const next = at + intervalMs * Math.max(1, Math.ceil((clock.now() - at) / intervalMs));
        tick(next);
      }, Math.max(0, at - clock.now()));
    };
    tick(first);
  }

  stop(): void {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
    this.#socket?.destroy();
    this.#report();
    this.#deps.clock.clearTimeout(this.#reportTimer);
  }

  /** Sends one batch now, unless one is still in flight (then it is dropped and counted). */
  tick(): void {
    if (this.#stats.inFlight > 0) return this.#lose('dropped');
    this.#stats.inFlight++;
    const { clock } = this.#deps;
    let settled = false;
    let socket: net.Socket | undefined;
    const done = (error?: string): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(deadline);
      socket?.destroy();
      if (this.#socket === socket) this.#socket = undefined;
      this.#stats.inFlight--;
      if (error === undefined) this.#sent();
      else this.#lose('failed', error);
    };
    const deadline = clock.setTimeout(() => done(`no answer within ${this.#deps.sendTimeoutMs} ms`), this.#deps.sendTimeoutMs);
    const nowS = Math.floor(clock.now() / 1000);
    this.#deps
      .batch(nowS)
      .then((text) => {
        if (settled) return;
        this.#resolve((error, address) => {
          if (settled) return;
          if (error || !address) return done(error?.message ?? `cannot resolve ${this.#deps.server}`);
          socket = net.createConnection({ host: address, port: this.#deps.port });
          this.#socket = socket;
          socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
          socket.on('close', () => done(settled ? undefined : 'connection closed before the batch was written'));
          socket.end(text, () => done());
        });
      })
      .catch((error: unknown) => done(`cannot build the batch: ${error instanceof Error ? error.message : String(error)}`));
  }

  #sent(): void {
    this.#stats.sent++;
    if (!this.#failing) return;
    this.#failing = false;
    this.#report();
    this.#deps.log.info(`graphite ${this.target}: sending works again`);
  }

  #lose(kind: 'failed' | 'dropped', error?: string): void {
    this.#stats[kind]++;
    this.#losses[kind]++;
    if (error !== undefined) this.#losses.lastError = error;
    this.#failing = true;
    if (this.#reportTimer !== undefined) return;
    const { clock } = this.#deps;
    this.#reportTimer = clock.setTimeout(() => this.#report(), Math.max(0, this.#lastReport + this.#deps.reportEveryMs - clock.now()));
  }

  /** At most one line per period, from a timer: never from inside a send. */
  #report(): void {
    this.#deps.clock.clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    const { failed, dropped, lastError } = this.#losses;
    if (failed + dropped === 0) return;
    Object.assign(this.#losses, { failed: 0, dropped: 0, lastError: undefined });
    this.#lastReport = this.#deps.clock.now();
    const why = [failed ? `${failed} failed (${lastError ?? 'unknown error'})` : '', dropped ? `${dropped} dropped (the previous one was still being sent)` : ''].filter(Boolean);
    this.#deps.log.warning(`graphite ${this.target}: lost ${failed + dropped} batch(es) of metrics: ${why.join(', ')}`);
  }
}
