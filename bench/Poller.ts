import http from 'node:http';

export interface PollAnswer {
  status: number;
  /** performance.now() when the request was sent and when its answer was complete. */
  sentAt: number;
  at: number;
}

/**
 * Asks the responder what Cloudflare would ask, over and over, `gapMs` apart (one request at a
 * time, on a kept-alive connection so each poll costs a round trip, not a handshake), and counts
 * the answers by status. Network errors count as status 0.
 */
export class Poller {
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #gapMs: number;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #counts = new Map<number, number>();
  readonly #waiters = new Set<(answer: PollAnswer) => void>();
  #running = false;
  #loop: Promise<void> | undefined;
  last: PollAnswer | undefined;

  constructor(origin: string, token: string | undefined, gapMs: number) {
    this.#url = `${origin}/`;
    this.#token = token;
    this.#gapMs = gapMs;
  }

  start(): this {
    this.#running = true;
    this.#loop = this.#run();
    return this;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.#agent.destroy();
  }

  count(status: number): number {
    return this.#counts.get(status) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  reset(): void {
    this.#counts.clear();
  }

  /** The first answer, received from now on, that satisfies `accept`. */
  next(accept: (answer: PollAnswer) => boolean, timeoutMs: number): Promise<PollAnswer> {
    return new Promise((resolve, reject) => {
      const waiter = (answer: PollAnswer): void => {
        if (!accept(answer)) return;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        resolve(answer);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching answer within ${timeoutMs} ms (last status ${this.last?.status ?? 'none'})`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const sentAt = performance.now();
      const status = await this.#ask();
      const answer = { status, sentAt, at: performance.now() };
      this.last = answer;
      this.#counts.set(status, (this.#counts.get(status) ?? 0) + 1);
      for (const waiter of [...this.#waiters]) waiter(answer);
      if (this.#gapMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#gapMs));
    }
  }

  #ask(): Promise<number> {
    return new Promise((resolve) => {
      const headers = this.#token === undefined ? {} : { Authorization: `Bearer ${this.#token}` };
      const req = http.get(this.#url, { agent: this.#agent, headers, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(0));
    });
  }
}
