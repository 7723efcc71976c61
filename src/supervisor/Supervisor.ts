import type { ChildProcess } from 'node:child_process';
import { EXIT } from '../cli/exitCodes.ts';
import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { forEachLine, MAX_LINE_CHARS } from './forEachLine.ts';
import { isReadyMessage } from './readyMessage.ts';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
}

/**
 * Starts one child. Give it a piped stderr (its lines become log records) and an IPC channel (it
 * says when it is ready, see readyMessage.ts); without them it is restarted whatever its exit.
 */
export type SpawnChild = (spec: ChildSpec) => ChildProcess;

/** A child that could not start: it exited with a config (2) or internal (70) error before it was ever ready. */
export interface StartFailure {
  name: string;
  code: typeof EXIT.CONFIG | typeof EXIT.INTERNAL;
  /** Its last stderr lines (at most STDERR_LINES_KEPT): its own words for what went wrong. */
  lines: string[];
}

/** How many of a child's last stderr lines a start failure reports (a config error lists every problem). */
export const STDERR_LINES_KEPT = 20;
/** After a child's exit, how long its stderr may take to end (a grandchild can hold it open). */
const STDERR_GRACE_MS = 500;

export interface SupervisorDeps {
  children: ChildSpec[];
  spawn: SpawnChild;
  log: Logger;
  clock?: Clock;
  /** After this long without exiting, a child counts as healthy again and its backoff resets. */
  healthyAfterMs?: number;
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long children get after SIGTERM before they are killed. */
  stopTimeoutMs?: number;
  /** Longer stderr lines are cut. */
  maxLineChars?: number;
  /** Every IPC message of a running child but the ready message (the responder's status for systemd). */
  onMessage?: (child: string, message: unknown) => void;
}

interface Slot {
  spec: ChildSpec;
  process?: ChildProcess;
  startedAt: number;
  backoffMs: number;
  restartTimer?: unknown;
  /** It said it was ready at least once: from then on, any exit is restarted. */
  everReady: boolean;
  /** The last stderr lines of the current process. */
  lines: string[];
}

/**
 * Keeps the watcher and the responder running as two processes (a probe that blocks its event
 * loop must not slow the responder): a child that dies is restarted after a backoff that doubles
 * from 1 s to 30 s and resets after a minute of uptime. A child that exits with 2 or 70 before it
 * was ever ready is not restarted but reported through `failed`: a missing token file or a port in
 * use stays so, and restarting would only hide it in a loop while the other child runs on.
 * Children's stderr lines (Node warnings, crash traces) become error records tagged with the
 * child's component, so they reach Graylog with everything else.
 */
export class Supervisor {
  readonly #deps: Required<SupervisorDeps>;
  readonly #slots: Slot[];
  #stopping = false;
  #failed = false;
  #reportFailure: (failure: StartFailure) => void = () => undefined;
  /** Resolves when a child could not start (see the class comment); never resolves otherwise. */
  readonly failed: Promise<StartFailure> = new Promise((resolve) => (this.#reportFailure = resolve));

  constructor(deps: SupervisorDeps) {
    this.#deps = { clock: systemClock, healthyAfterMs: 60_000, firstBackoffMs: 1000, maxBackoffMs: 30_000, stopTimeoutMs: 4000, maxLineChars: MAX_LINE_CHARS, onMessage: () => undefined, ...deps };
    this.#slots = deps.children.map((spec) => ({ spec, startedAt: 0, backoffMs: this.#deps.firstBackoffMs, everReady: false, lines: [] }));
  }

  /** PIDs of the children running now, by name. */
  get pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.#slots.map((s) => [s.spec.name, s.process && running(s.process) ? s.process.pid : undefined]));
  }

  start(): void {
    for (const slot of this.#slots) this.#launch(slot);
  }

  /** Sends `signal` to every running child. */
  signal(signal: NodeJS.Signals): void {
    for (const slot of this.#slots) if (slot.process && running(slot.process)) slot.process.kill(signal);
  }

  /** Forwards SIGTERM to every child; resolves once all are gone (SIGKILL after the stop timeout). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { clock, stopTimeoutMs, log } = this.#deps;
    await Promise.all(
      this.#slots.map(async (slot) => {
        clock.clearTimeout(slot.restartTimer);
        const child = slot.process;
        if (!child || !running(child)) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        let timer: unknown;
        const late = new Promise<boolean>((resolve) => (timer = clock.setTimeout(() => resolve(true), stopTimeoutMs)));
        if (await Promise.race([gone.then(() => false), late])) {
          log.error(`${slot.spec.name} did not stop within ${stopTimeoutMs} ms: killing it`, { child: slot.spec.name });
          child.kill('SIGKILL');
          await gone;
        }
        clock.clearTimeout(timer);
      }),
    );
  }

  #launch(slot: Slot): void {
    const { spawn, clock, log, maxLineChars } = this.#deps;
    const { name } = slot.spec;
    const child = spawn(slot.spec);
    slot.process = child;
    slot.startedAt = clock.now();
    slot.lines = [];
    log.info(`started ${name} (pid ${child.pid ?? '?'})`, { child: name, pid: child.pid });
    const stderrOver = child.stderr
      ? forEachLine(
          child.stderr,
          (line) => {
            log.error(line, { component: name, stream: 'stderr', pid: child.pid });
            slot.lines.push(line);
            if (slot.lines.length > STDERR_LINES_KEPT) slot.lines.shift();
          },
          maxLineChars,
        )
      : Promise.resolve();
    child.on('message', (message) => {
      if (slot.process !== child) return;
      if (!isReadyMessage(message)) {
        this.#deps.onMessage(name, message);
        return;
      }
      slot.everReady = true;
      log.info(`${name} ready after ${((clock.now() - slot.startedAt) / 1000).toFixed(1)} s`, { child: name, pid: child.pid });
    });
    child.once('error', (error) => log.error(`${name}: ${error.message}`, { child: name }));
    child.once('exit', (code, signal) => void this.#onExit(slot, child, code, signal, stderrOver));
  }

  async #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderrOver: Promise<void>): Promise<void> {
    if (this.#stopping || slot.process !== child) return;
    const { clock, log, healthyAfterMs, firstBackoffMs, maxBackoffMs } = this.#deps;
    const uptime = clock.now() - slot.startedAt;
    // Its last words (and a ready message still in the channel) come after 'exit'; the decision needs them.
    let timer: unknown;
    await Promise.race([stderrOver, new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, STDERR_GRACE_MS)))]);
    clock.clearTimeout(timer);
    if (this.#stopping || this.#failed || slot.process !== child) return;
    const { name } = slot.spec;
    if (!slot.everReady && (code === EXIT.CONFIG || code === EXIT.INTERNAL)) {
      this.#failed = true;
      const said = slot.lines.at(-1);
      log.error(`${name} could not start: exited with code ${code} before it was ready${said === undefined ? '' : ` (${said})`}; not restarting it`, {
        child: name,
        exit_code: code,
      });
      this.#reportFailure({ name, code, lines: [...slot.lines] });
      return;
    }
    if (uptime >= healthyAfterMs) slot.backoffMs = firstBackoffMs;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    log.error(`${name} ${how} after ${(uptime / 1000).toFixed(1)} s; restarting in ${slot.backoffMs / 1000} s`, {
      child: name,
      exit_code: code ?? undefined,
      signal: signal ?? undefined,
    });
    slot.restartTimer = clock.setTimeout(() => {
      if (!this.#stopping) this.#launch(slot);
    }, slot.backoffMs);
    slot.backoffMs = Math.min(slot.backoffMs * 2, maxBackoffMs);
  }
}

/** A child killed by a signal has no exit code: both must be looked at. */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
