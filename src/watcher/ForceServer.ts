import { chmod, lstat, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log/Logger.ts';
import { forEachLine } from '../supervisor/forEachLine.ts';
import { FORCE_GRACE_MS, FORCE_SOCKET, MAX_REQUEST_CHARS, parseForceRequest, type ForceAnnouncement, type ForcedCheck } from '../watcher-link/forceProtocol.ts';
import type { Clock } from '../clock/Clock.ts';
import { isMetricsRequest, metricsHeader, type WatcherMetricsText } from '../watcher-link/metricsProtocol.ts';

/** What the server needs of a probe (a ProbeLoop). */
export interface Forceable {
  readonly spec: { readonly timeoutMs: number };
  force(): Promise<ForcedCheck | undefined>;
}

export interface ForceServerDeps {
  /** The flag folder: the socket lives there, where the responder already looks. */
  folder: string;
  /** The probes running now (read at every request: a reload changes them). */
  probes: () => ReadonlyMap<string, Forceable>;
  log: Logger;
  clock: Clock;
  /** How often the socket file is looked for: a flag folder deleted and rebuilt by the watcher loses it. */
  checkEveryMs?: number;
  /** The watcher's Prometheus text, for the responder's `/metrics` (metricsProtocol.ts); absent, such a request gets an error line. */
  metrics?: () => Promise<WatcherMetricsText>;
}

/** A client that connects and says nothing is dropped after this long. */
const REQUEST_WAIT_MS = 5000;

/**
 * The watcher's end of `?cache=false` (protocol: forceProtocol.ts). Each probe asked for is
 * forced through its ProbeLoop, which shares a pending forced check between requests and runs a
 * probe at most once a second however many ask; this only fans requests out and results back.
 * The socket is mode 0666 so a responder running as another user can connect: the most a local
 * user can do with it is make each probe run once a second more.
 */
export class ForceServer {
  readonly file: string;
  readonly #deps: Required<ForceServerDeps>;
  #server: net.Server | undefined;
  /** The socket file this server made: another inode at that path (or none) means the folder was replaced. */
  #ino: number | undefined;
  readonly #connections = new Set<net.Socket>();
  #timer: unknown;
  #stopped = false;
  #lastProblem: string | undefined;

  constructor(deps: ForceServerDeps) {
    this.#deps = { checkEveryMs: 500, metrics: () => Promise.reject(new Error('no metrics here')), ...deps };
    this.file = path.join(deps.folder, FORCE_SOCKET);
  }

  /** Listens (a failure is logged: the responder then answers `?cache=false` from the state file) and keeps the socket in the folder. */
  async start(): Promise<void> {
    await this.#listen();
    this.#keep();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
    for (const connection of this.#connections) connection.destroy();
    await this.#closeServer();
    if (this.#ino !== undefined && (await this.#socketIno()) === this.#ino) await rm(this.file, { force: true }).catch(() => undefined);
  }

  async #listen(): Promise<void> {
    // A look at the socket file that was under way when close() ran must not listen again: the
    // new server would keep a stopping watcher alive (a test process failed to exit so).
    if (this.#stopped) return;
    await this.#closeServer();
    if (this.#stopped) return;
    try {
      // Left by a watcher that crashed: this one holds the folder's lock, so the name is its own.
      await rm(this.file, { force: true });
      const server = net.createServer((connection) => this.#serve(connection));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // Room for a burst of clients connecting at once (Node's default is 511; a unix socket refuses past it).
        server.listen({ path: this.file, backlog: 2048 }, () => resolve());
      });
      server.on('error', (error) => this.#problem(`the socket for forced checks failed: ${error.message}`));
      if (this.#stopped) {
        server.close();
        await rm(this.file, { force: true }).catch(() => undefined);
        return;
      }
      this.#server = server;
      await chmod(this.file, 0o666);
      this.#ino = await this.#socketIno();
      if (this.#lastProblem !== undefined) this.#deps.log.info(`forced checks (?cache=false) work again: listening on ${this.file}`);
      this.#lastProblem = undefined;
    } catch (error) {
      this.#problem(`forced checks (?cache=false) are off, answered from the state file: cannot listen on ${this.file}: ${(error as Error).message}`);
    }
  }

  /** One log line per distinct problem: it is retried every check, and may last. */
  #problem(message: string): void {
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    this.#deps.log.warning(message);
  }

  #closeServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#ino = undefined;
    return server ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
  }

  async #socketIno(): Promise<number | undefined> {
    const info = await lstat(this.file).catch(() => undefined);
    return info?.isSocket() ? info.ino : undefined;
  }

  #keep(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.#socketIno()
        .then((ino) => (ino === undefined || ino !== this.#ino ? this.#listen() : undefined))
        .finally(() => this.#keep());
    }, this.#deps.checkEveryMs);
  }

  #serve(connection: net.Socket): void {
    this.#connections.add(connection);
    connection.on('close', () => this.#connections.delete(connection));
    connection.on('error', () => connection.destroy());
    const { clock } = this.#deps;
    const idle = clock.setTimeout(() => connection.destroy(), REQUEST_WAIT_MS);
    let asked = false;
    void forEachLine(
      connection,
      (line) => {
        if (asked) return;
        asked = true;
        clock.clearTimeout(idle);
        this.#answer(connection, line);
      },
      MAX_REQUEST_CHARS,
    ).then(() => clock.clearTimeout(idle));
  }

  #answer(connection: net.Socket, line: string): void {
    if (isMetricsRequest(line)) {
      this.#deps.metrics().then(
        ({ shared, own }) => {
          connection.write(metricsHeader(shared));
          connection.write(shared);
          connection.end(own);
        },
        // The client sees an end without text: no watcher part in that scrape.
        (error: unknown) => {
          this.#problem(`cannot render the watcher's metrics: ${(error as Error).message}`);
          connection.destroy();
        },
      );
      return;
    }
    const names = parseForceRequest(line);
    if (names === undefined) {
      connection.end(`${JSON.stringify({ error: 'expected {"force": [probe names]}' })}\n`);
      return;
    }
    const running = this.#deps.probes();
    const known: [string, Forceable][] = [];
    const unknown: string[] = [];
    let longest = 0;
    for (const name of new Set(names)) {
      const probe = running.get(name);
      if (probe === undefined) {
        unknown.push(name);
        continue;
      }
      known.push([name, probe]);
      longest = Math.max(longest, probe.spec.timeoutMs);
    }
    const announcement: ForceAnnouncement = { wait_ms: known.length === 0 ? 0 : longest + FORCE_GRACE_MS, unknown };
    connection.write(`${JSON.stringify(announcement)}\n`);
    if (known.length === 0) {
      connection.end();
      return;
    }
    const { clock } = this.#deps;
    // Past it the probes not done yet count as they were: their checks go on and land in flags and state as usual.
    const deadline = clock.setTimeout(() => connection.end(), announcement.wait_ms);
    let left = known.length;
    for (const [name, probe] of known) {
      void probe.force().then((result) => {
        if (result !== undefined && connection.writable) connection.write(`${JSON.stringify({ probe: name, ...result })}\n`);
        if (--left > 0) return;
        clock.clearTimeout(deadline);
        connection.end();
      });
    }
  }
}
