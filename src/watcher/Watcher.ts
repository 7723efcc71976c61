import { chmod, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeSpec } from '../config/ProbeSpec.ts';
import { flagFileName } from '../flag-store/flagFormat.ts';
import type { FlagStore } from '../flag-store/FlagStore.ts';
import { LOCK_FILE, type FolderLock } from '../flag-store/FolderLock.ts';
import { folderWritable } from '../flag-store/folderWritable.ts';
import { encodeChecks, STATE_FILE, STATE_VERSION, wholeSeconds as seconds, type WatcherStateFile } from '../flag-store/watcherState.ts';
import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { DriftHistogram } from './DriftHistogram.ts';
import { ProbeLoop, type CheckEvent, type ProbeLoopDeps } from './ProbeLoop.ts';
import { WriteTrouble } from './WriteTrouble.ts';

export interface WatcherDeps {
  flags: FlagStore;
  log: Logger;
  clock?: Clock;
  onCheck?: (event: CheckEvent) => void;
  /** A probe's change of state, announced as it happens (see ProbeLoopDeps.onChange). */
  onChange?: (event: CheckEvent) => void;
  /**
   * How often the folder is checked (recreated with every flag if gone) and the state file
   * rewritten: the responder's freshness rule relies on this heartbeat.
   */
  guardIntervalMs?: number;
  /** `WatchMan.stale_grace` in ms, read at every write (a reload may change it): a result older than period + timeout + this is overdue. */
  staleGraceMs?: () => number;
  /** Another live watcher took the lock: this one must stop (two writers make the answer flip). */
  onLockLost?: (holder: number) => void;
  /** How often a write failure that goes on is logged again. */
  writeTroubleEveryMs?: number;
}

/** The watcher cannot do its job with this folder (it cannot write there): the command exits 70. */
export class FolderUnusableError extends Error {
  override name = 'FolderUnusableError';
}

const DEFAULT_STALE_GRACE_MS = 5000;
/**
 * Probes started together (start-up, a reload) start their first checks this far apart: 10,000
 * probes take 2 s, about what starting 10,000 checks costs the CPU anyway, instead of 10,000
 * requests in flight at once (a heap of 400 MB that V8 then keeps, and a thundering herd on the
 * DC's services). A config of 50 probes starts within 10 ms.
 */
export const START_SPACING_MS = 0.2;

/** Enough to say what is wrong; the log has them all. */
const MAX_PUBLISHED_PROBLEMS = 3;

/** Runs one ProbeLoop per enabled probe and keeps the flag folder in line with them. */
export class Watcher {
  readonly #deps: Required<Omit<WatcherDeps, 'onLockLost' | 'writeTroubleEveryMs' | 'onChange'>> & Pick<WatcherDeps, 'onLockLost' | 'onChange'> & ProbeLoopDeps;
  /** The flag folder's lock, held by this watcher: kept in the folder, checked every heartbeat. */
  #lock: FolderLock | undefined;
  readonly #writeTrouble: WriteTrouble;
  readonly #loops = new Map<string, ProbeLoop>();
  #guardTimer: unknown;
  #publishTimer: unknown;
  #repairing: Promise<void> | undefined;
  readonly #drift = new DriftHistogram();
  #stopped = false;
  #configProblems: string[] | undefined;

  constructor(deps: WatcherDeps) {
    const onCheck = deps.onCheck;
    this.#deps = {
      clock: systemClock,
      guardIntervalMs: 500,
      staleGraceMs: () => DEFAULT_STALE_GRACE_MS,
      ...deps,
      onFolderTrouble: () => void this.#repair(),
      onWriteFailure: (file, error) => this.#writeTrouble.failed(file, error),
      // A change of state is published at once; results in between ride on the heartbeat.
      onCheck: (event) => {
        // A forced check has no planned start: it is not schedule drift.
        if (!event.forced) this.#drift.record(event.driftMs);
        if (event.transition) this.#publishSoon();
        onCheck?.(event);
      },
    };
    this.#writeTrouble = new WriteTrouble(this.#deps.log, this.#deps.clock, deps.writeTroubleEveryMs);
  }

  get probes(): ReadonlyMap<string, ProbeLoop> {
    return this.#loops;
  }

  /**
   * Makes the folder usable (creating or repairing it) and starts the probes. A folder the watcher
   * cannot write is a FolderUnusableError: running on would only log failures while the responder,
   * hearing nothing, fails closed.
   */
  async start(specs: readonly ProbeSpec[]): Promise<void> {
    await this.prepareFolder();
    await this.apply(specs);
    this.#guard();
  }

  /** Creates or repairs the folder; throws FolderUnusableError when the watcher cannot write there. */
  async prepareFolder(): Promise<void> {
    await this.#repair();
    const problem = await folderWritable(this.#deps.flags.folder);
    if (problem) throw new FolderUnusableError(problem);
  }

  /** From now on the folder holds this lock (rebuilt with it, checked every heartbeat); released at stop. */
  holdLock(lock: FolderLock): void {
    this.#lock = lock;
  }

  /**
   * Makes the running loops match `specs`: new probes start at once, changed ones restart,
   * removed or disabled ones stop (their check in flight aborted) and lose their flag.
   */
  async apply(specs: readonly ProbeSpec[]): Promise<void> {
    const wanted = new Map(specs.filter((s) => s.enabled).map((s) => [s.name, s]));
    for (const [name, loop] of this.#loops) {
      const next = wanted.get(name);
      if (next?.fingerprint === loop.spec.fingerprint && next.module === loop.spec.module) continue;
      this.#loops.delete(name);
      await loop.stop();
    }
    const now = this.#deps.clock.now();
    let started = 0;
    for (const [name, spec] of wanted) {
      if (this.#loops.has(name)) continue;
      const loop = new ProbeLoop(spec, this.#deps);
      this.#loops.set(name, loop);
      loop.start(now + started++ * START_SPACING_MS);
    }
    this.#configProblems = undefined;
    await this.#removeForeignFlags(wanted);
    await this.#publish();
  }

  /**
   * An edit of config.yaml was refused and the last good config keeps running. Published with the
   * state so the responder, which does not import probe modules and so may have taken the edit,
   * can say why a probe it expects is not being checked.
   */
  refusedConfig(problems: readonly string[]): void {
    this.#configProblems = problems.slice(0, MAX_PUBLISHED_PROBLEMS);
    void this.#publish();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#guardTimer);
    this.#deps.clock.clearTimeout(this.#publishTimer);
    await Promise.all([...this.#loops.values()].map((loop) => loop.stop()));
    await this.#lock?.release().catch(() => undefined);
  }

  /** Flags of probes that are not running (removed, disabled, left from an earlier config) would mislead `ls`. */
  async #removeForeignFlags(wanted: ReadonlyMap<string, ProbeSpec>): Promise<void> {
    try {
      for (const probe of await this.#deps.flags.list()) {
        if (!wanted.has(probe)) await this.#deps.flags.remove(probe);
      }
    } catch (error) {
      this.#deps.log.error(`cannot clean the flag folder ${this.#deps.flags.folder}: ${(error as Error).message}`);
    }
  }

  #guard(): void {
    if (this.#stopped) return;
    this.#guardTimer = this.#deps.clock.setTimeout(() => {
      void this.#repair()
        .then(() => this.#checkLock())
        .then(() => this.#publish())
        .finally(() => this.#guard());
    }, this.#deps.guardIntervalMs);
  }

  /**
   * What the responder needs to fail closed: which probes run, and which of them count as failing
   * (pending, down, or overdue). A result is overdue once it is older than `period + timeout +
   * stale_grace`, judged one heartbeat ahead: the responder hears of it only at the next write.
   * And the last check of every probe, passing or not.
   */
  snapshot(): WatcherStateFile {
    const now = this.#deps.clock.now();
    const beat = this.#deps.guardIntervalMs;
    const graceMs = this.#deps.staleGraceMs();
    const failing: WatcherStateFile['failing'] = {};
    let minDeadline = Infinity;
    for (const [name, loop] of this.#loops) {
      const deadline = loop.spec.periodMs + loop.spec.timeoutMs;
      minDeadline = Math.min(minDeadline, deadline);
      const age = now - (loop.checkedAt ?? loop.startedAt);
      if (age + beat > deadline + graceMs) failing[name] = { state: 'overdue', reason: `no result for ${seconds(age)} (checks are running late)` };
      else if (loop.state !== 'up') failing[name] = { state: loop.state, reason: loop.reason };
    }
    return {
      version: STATE_VERSION,
      pid: process.pid,
      written_at: now,
      heartbeat_ms: beat,
      ...(Number.isFinite(minDeadline) ? { min_deadline_ms: minDeadline } : {}),
      running: [...this.#loops.keys()],
      failing,
      ...encodeChecks(now, this.#loops.values(), failing),
      drift: { counts: this.#drift.counts, total: this.#drift.total },
      ...(this.#configProblems ? { config_problems: this.#configProblems } : {}),
    };
  }

  #publishSoon(): void {
    if (this.#publishTimer !== undefined || this.#stopped) return;
    this.#publishTimer = this.#deps.clock.setTimeout(() => {
      this.#publishTimer = undefined;
      void this.#publish();
    }, 0);
  }

  async #publish(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#deps.flags.writeFile(STATE_FILE, JSON.stringify(this.snapshot()) + '\n');
      this.#writeTrouble.succeeded();
    } catch (error) {
      this.#writeTrouble.failed(path.join(this.#deps.flags.folder, STATE_FILE), error);
    }
  }

  /** The lock file must still name this watcher: put back if it vanished, and another live holder means stop. */
  async #checkLock(): Promise<void> {
    const lock = this.#lock;
    if (!lock || this.#stopped) return;
    const holder = await lock.holder();
    if (holder === lock.pid) return;
    if (holder === undefined) {
      await lock.rewrite().catch((error: unknown) => this.#writeTrouble.failed(lock.file, error));
      return;
    }
    this.#deps.onLockLost?.(holder);
  }

  /** Repairs the folder if needed; concurrent requests (several probes failing to write) share one repair. */
  #repair(): Promise<void> {
    this.#repairing ??= this.#checkFolder().finally(() => (this.#repairing = undefined));
    return this.#repairing;
  }

  /** Every file the folder should hold now: the flags of probes that are down, and the state file. */
  #folderContent(): Map<string, string> {
    const files = new Map<string, string>();
    for (const [name, loop] of this.#loops) {
      const text = loop.flagText();
      if (text !== undefined) files.set(flagFileName(name), text);
    }
    files.set(STATE_FILE, JSON.stringify(this.snapshot()) + '\n');
    if (this.#lock) files.set(LOCK_FILE, this.#lock.content());
    return files;
  }

  /**
   * The folder belongs to the watcher: deleted, it is rebuilt with every current flag in one
   * rename; replaced by a plain file, the file is moved aside (never deleted) first; made
   * unusable to its owner (chmod 000), its mode is reset to 755 and every flag rewritten.
   */
  async #checkFolder(): Promise<void> {
    const { flags, log } = this.#deps;
    try {
      let info = await stat(flags.folder).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (info && !info.isDirectory()) {
        const aside = `${flags.folder}.not-a-folder.${Date.now()}`;
        await rename(flags.folder, aside);
        log.warning(`${flags.folder} was a file, not a folder: moved it to ${aside}`);
        info = undefined;
      }
      if (!info) {
        const files = this.#folderContent();
        await flags.rebuild(files);
        const flagCount = [...files.keys()].filter((name) => name !== STATE_FILE && name !== LOCK_FILE).length;
        if (this.#loops.size > 0) log.warning(`flag folder ${flags.folder} was missing: recreated it with ${flagCount} flag(s)`);
        return;
      }
      if ((info.mode & 0o700) !== 0o700) {
        await chmod(flags.folder, 0o755);
        log.warning(`flag folder ${flags.folder} had mode ${(info.mode & 0o777).toString(8).padStart(3, '0')}: reset it to 755`);
        for (const [name, text] of this.#folderContent()) await flags.writeFile(name, text);
      }
    } catch (error) {
      this.#writeTrouble.failed(flags.folder, new Error(`the folder is unusable and could not be repaired: ${(error as Error).message}`));
    }
  }
}
