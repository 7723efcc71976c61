import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../watcher/Clock.ts';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
}

export type SpawnChild = (spec: ChildSpec) => ChildProcess;

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
}

interface Slot {
  spec: ChildSpec;
  process?: ChildProcess;
  startedAt: number;
  backoffMs: number;
  restartTimer?: unknown;
}

/**
 * Keeps the watcher and the responder running as two processes (a probe that blocks its event
 * loop must not slow the responder): a child that dies is restarted after a backoff that doubles
 * from 1 s to 30 s and resets after a minute of uptime.
 */
export class Supervisor {
  readonly #deps: Required<SupervisorDeps>;
  readonly #slots: Slot[];
  #stopping = false;

  constructor(deps: SupervisorDeps) {
    this.#deps = { clock: systemClock, healthyAfterMs: 60_000, firstBackoffMs: 1000, maxBackoffMs: 30_000, stopTimeoutMs: 4000, ...deps };
    this.#slots = deps.children.map((spec) => ({ spec, startedAt: 0, backoffMs: this.#deps.firstBackoffMs }));
  }

  /** PIDs of the children running now, by name. */
  get pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.#slots.map((s) => [s.spec.name, s.process?.exitCode === null ? s.process.pid : undefined]));
  }

  start(): void {
    for (const slot of this.#slots) this.#launch(slot);
  }

  /** Sends `signal` to every running child. */
  signal(signal: NodeJS.Signals): void {
    for (const slot of this.#slots) if (slot.process?.exitCode === null) slot.process.kill(signal);
  }

  /** Forwards SIGTERM to every child; resolves once all are gone (SIGKILL after the stop timeout). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { clock, stopTimeoutMs, log } = this.#deps;
    await Promise.all(
      this.#slots.map(async (slot) => {
        clock.clearTimeout(slot.restartTimer);
        const child = slot.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
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
    const { spawn, clock, log } = this.#deps;
    const child = spawn(slot.spec);
    slot.process = child;
    slot.startedAt = clock.now();
    log.info(`started ${slot.spec.name} (pid ${child.pid ?? '?'})`, { child: slot.spec.name, pid: child.pid });
    child.once('error', (error) => log.error(`${slot.spec.name}: ${error.message}`, { child: slot.spec.name }));
    child.once('exit', (code, signal) => this.#onExit(slot, child, code, signal));
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping || slot.process !== child) return;
    const { clock, log, healthyAfterMs, firstBackoffMs, maxBackoffMs } = this.#deps;
    const uptime = clock.now() - slot.startedAt;
    if (uptime >= healthyAfterMs) slot.backoffMs = firstBackoffMs;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    log.error(`${slot.spec.name} ${how} after ${(uptime / 1000).toFixed(1)} s; restarting in ${slot.backoffMs / 1000} s`, {
      child: slot.spec.name,
      exit_code: code ?? undefined,
      signal: signal ?? undefined,
    });
    slot.restartTimer = clock.setTimeout(() => {
      if (!this.#stopping) this.#launch(slot);
    }, slot.backoffMs);
    slot.backoffMs = Math.min(slot.backoffMs * 2, maxBackoffMs);
  }
}
