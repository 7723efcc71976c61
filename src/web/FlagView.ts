import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { flagFileName, probeOfFlag } from '../flag-store/flagFormat.ts';
import { silentLogger } from '../log/createLogger.ts';
import type { Logger } from '../log/Logger.ts';
import { readFlagReason } from './readFlagReason.ts';

/** One consistent snapshot; replaced as a whole, never mutated, so a request never sees half a scan. */
export interface FlagViewState {
  readonly folder: string;
  /** False when the folder cannot be listed: then nothing is known about the probes. */
  readonly folderOk: boolean;
  /** Why the folder cannot be listed ("does not exist", "permission denied"…); undefined when folderOk. */
  readonly folderProblem: string | undefined;
  /** probe → first line of its flag's reason. Empty while !folderOk. */
  readonly flags: ReadonlyMap<string, string>;
}

export interface FlagViewOptions {
  folder: string;
  logger?: Logger;
  /** Period of the full rescan that repairs whatever events were lost (and sees what no watch can: a network file system's remote writes). */
  reconcileMs?: number;
}

export type FlagViewListener = (state: FlagViewState) => void;

/**
 * After a burst of events, one rescan this long after the first of them: inotify's queue can
 * overflow, and a name's events can come while an earlier read of it is still in flight.
 */
const SETTLE_MS = 150;
/** While the folder is missing (or cannot be watched), how often to look for it: a watch cannot see it come back. */
const MISSING_POLL_MS = 250;

interface ReadResult {
  probe: string;
  seq: number;
  epoch: number;
  reason: string | undefined;
}

/**
 * The responder's in-memory copy of the flag folder: an inotify watch (`fs.watch`) makes it fast
 * (a flag written shows up in a few ms), rescans make it right. Events are only hints — every one
 * of them makes us re-read the file it names, and what the file system says wins — because events
 * can be lost (inotify queue overflow, a folder deleted and re-created under the watch, a network
 * file system's remote writes). Hence a settle rescan after each burst and a full reconcile every
 * few seconds: a DC must never keep answering from a stale view, which is how the original
 * reported OK forever.
 *
 * Not chokidar (it fed this view until session 8): it re-lists the whole folder on every event in
 * it, and the watcher renames its state file into this folder twice a second. With 1,000 probes
 * that was a readdir, a stat per entry and a stream of objects twice a second on the responder's
 * event loop, for names this view ignores (BENCHMARKS.md, "Session 8").
 */
export class FlagView {
  readonly folder: string;
  /** Resolves when the first full scan is in the view: wait for it before answering anyone. */
  readonly ready: Promise<void>;

  readonly #logger: Logger;
  #state: FlagViewState;
  readonly #listeners = new Set<FlagViewListener>();

  #watcher: FSWatcher | undefined;
  /** dev:ino of the folder the watch was made on; undefined when there is none (the folder was missing). */
  #watchedId: string | undefined;
  /** The folder failed since the watch was made: it may be dead even if the folder is back. */
  #watcherStale = false;
  /** A failure to watch was logged and no watch has worked since. */
  #watchWarned = false;
  #restartChain: Promise<void> = Promise.resolve();
  #restartQueued = false;

  #scanLoop: Promise<void> | undefined;
  #scanPending = false;
  /**
   * Reads finish out of order, so they are numbered: a read may change the view only if it started
   * after the one that last did for the same probe. The epoch changes whenever the folder becomes
   * unusable, so no read of the old folder lands in the new one.
   */
  #readSeq = 0;
  #readsInFlight = 0;
  readonly #appliedSeq = new Map<string, number>();
  #epoch = 0;

  /** Probes with a read under way; `true` means an event came during it, so read once more after. */
  readonly #refreshing = new Map<string, boolean>();

  #settleTimer: NodeJS.Timeout | undefined;
  readonly #reconcileTimer: NodeJS.Timeout;
  readonly #reconcileMs: number;
  #lastScanAt = 0;
  #scanCount = 0;
  #closed = false;

  constructor(options: FlagViewOptions) {
    this.folder = path.resolve(options.folder);
    this.#logger = (options.logger ?? silentLogger).child({ component: 'flag-view' });
    this.#state = { folder: this.folder, folderOk: false, folderProblem: 'not scanned yet', flags: new Map() };
    this.#reconcileMs = options.reconcileMs ?? 2000;
    this.ready = this.#startWatcher().then(() => this.#requestScan());
    // Ticks often but scans only when due: every reconcileMs, or every tick while the folder is missing.
    this.#reconcileTimer = setInterval(() => {
      if (!this.#state.folderOk || performance.now() - this.#lastScanAt >= this.#reconcileMs) void this.#requestScan();
    }, Math.min(this.#reconcileMs, MISSING_POLL_MS));
    this.#reconcileTimer.unref();
  }

  get state(): FlagViewState {
    return this.#state;
  }

  /** Full scans of the folder so far (each lists it and reads every flag): for tests and diagnostics. */
  get scans(): number {
    return this.#scanCount;
  }

  /**
   * Resolves once a scan that started after this call is in the view: for `?cache=false`, whose
   * forced checks wrote or removed flags a moment ago, and whose answer must also count a flag an
   * operator made by hand. Calls during a scan share the one scan after it.
   */
  rescan(): Promise<void> {
    return this.#requestScan();
  }

  /** Called after every change of the state; returns the unsubscribe function. */
  onChange(listener: FlagViewListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reconcileTimer);
    clearTimeout(this.#settleTimer);
    this.#listeners.clear();
    this.#watcher?.close();
    await this.#restartChain;
    await this.#scanLoop;
  }

  async #startWatcher(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    const id = await folderId(this.folder).catch(() => undefined);
    if (this.#closed) return;
    this.#watchedId = id;
    this.#watcherStale = false;
    // A missing folder cannot be watched: the reconcile timer looks for it every MISSING_POLL_MS.
    if (id === undefined) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(this.folder, { persistent: false }, (_event, name) => this.#onEvent(name === null ? undefined : String(name)));
    } catch (error) {
      this.#watchFailed(error);
      return;
    }
    this.#watcher = watcher;
    this.#watchWarned = false;
    watcher.on('error', (error) => {
      watcher.close();
      if (this.#watcher !== watcher) return;
      this.#watcher = undefined;
      this.#watchFailed(error);
      void this.#requestScan();
    });
  }

  /**
   * No watch (no inotify watches left, the folder gone meanwhile): the view lives on its scans
   * until a later one makes a watch again. Said once per spell, not at every attempt.
   */
  #watchFailed(error: unknown): void {
    this.#watchedId = undefined;
    if (this.#watchWarned) return;
    this.#watchWarned = true;
    this.#logger.warning(`watching the flag folder failed, rescanning every ${this.#reconcileMs} ms instead: ${errorText(error)}`, { folder: this.folder });
  }

  /** Replaces the watch (after the folder vanished or was replaced); queued, never overlapping. */
  #restartWatcher(): void {
    if (this.#restartQueued || this.#closed) return;
    this.#restartQueued = true;
    this.#restartChain = this.#restartChain
      .then(async () => {
        this.#restartQueued = false;
        await this.#startWatcher();
        // Without a watch, no scan now: the reconcile timer's next one tries again (a scan at once
        // would ask for a watch at once, in a loop, while inotify is out of watches).
        if (this.#watcher !== undefined) await this.#requestScan();
      })
      .catch((error: unknown) => this.#logger.error(`restarting the flag folder watch failed: ${errorText(error)}`));
  }

  /**
   * A name in the folder changed, or (no name) something did. The folder's own deletion comes as
   * its own name: then only a scan can tell what is left.
   */
  #onEvent(name: string | undefined): void {
    if (name === undefined || name === path.basename(this.folder)) void this.#requestScan();
    else this.#hint(name);
  }

  /** Something happened to this name: re-read it now, and rescan once the burst is over. */
  #hint(fileName: string): void {
    const probe = probeOfFlag(fileName);
    if (probe === undefined) return;
    void this.#refresh(probe);
    this.#settleTimer ??= setTimeout(() => {
      this.#settleTimer = undefined;
      void this.#requestScan();
    }, SETTLE_MS);
  }

  /** Runs scans one at a time; requests arriving during a scan are merged into one more scan after it. */
  #requestScan(): Promise<void> {
    this.#scanPending = true;
    this.#scanLoop ??= this.#runScans();
    return this.#scanLoop;
  }

  async #runScans(): Promise<void> {
    try {
      while (this.#scanPending && !this.#closed) {
        this.#scanPending = false;
        await this.#scan().catch((error: unknown) => this.#logger.error(`scanning the flag folder failed: ${errorText(error)}`));
      }
    } finally {
      this.#scanLoop = undefined;
    }
  }

  async #scan(): Promise<void> {
    this.#lastScanAt = performance.now();
    this.#scanCount++;
    let id: string;
    let entries;
    try {
      id = await folderId(this.folder);
      entries = await readdir(this.folder, { withFileTypes: true });
    } catch (error) {
      this.#folderFailed(folderProblem(error));
      return;
    }
    if (this.#closed) return;
    // A watch on a folder that was replaced, or that failed meanwhile, or none at all because the
    // folder was missing, sees nothing: start a fresh one.
    if (id !== this.#watchedId || this.#watcherStale) this.#restartWatcher();
    const names = new Set(this.#state.flags.keys());
    for (const entry of entries) {
      const probe = probeOfFlag(entry.name);
      if (probe !== undefined && !entry.isDirectory()) names.add(probe);
    }
    const results = await Promise.all([...names].map((probe) => this.#read(probe)));
    // Published in one piece with folderOk, so a folder coming back never answers 200 for a moment.
    this.#apply(results);
  }

  #folderFailed(problem: string): void {
    this.#watcherStale = true;
    // The old watch is on a folder that is gone or unusable; the scan that sees it back makes a new one.
    if (this.#state.folderOk) {
      this.#watcher?.close();
      this.#watcher = undefined;
    }
    if (this.#closed || (!this.#state.folderOk && this.#state.folderProblem === problem)) return;
    this.#epoch++;
    this.#logger.warning(`flag folder unusable: ${problem}`, { folder: this.folder });
    this.#publish({ folder: this.folder, folderOk: false, folderProblem: problem, flags: new Map() });
  }

  /** One read per probe at a time; events during it cost one more read, not one each. */
  async #refresh(probe: string): Promise<void> {
    if (this.#refreshing.has(probe)) {
      this.#refreshing.set(probe, true);
      return;
    }
    try {
      do {
        this.#refreshing.set(probe, false);
        const result = await this.#read(probe);
        if (this.#closed) return;
        if (this.#state.folderOk) this.#apply([result]);
        else void this.#requestScan(); // a folder coming back: only a whole scan may say what is in it
      } while (this.#refreshing.get(probe) === true);
    } finally {
      this.#refreshing.delete(probe);
    }
  }

  async #read(probe: string): Promise<ReadResult> {
    const seq = ++this.#readSeq;
    const epoch = this.#epoch;
    this.#readsInFlight++;
    let reason: string | undefined;
    try {
      reason = await readFlagReason(path.join(this.folder, flagFileName(probe)));
    } catch (error) {
      reason = `(flag unreadable: ${errorText(error)})`;
    } finally {
      this.#readsInFlight--;
    }
    return { probe, seq, epoch, reason };
  }

  /** Applies reads (and, from a scan, folderOk) as one new state; publishes only if something changed. */
  #apply(results: ReadResult[]): void {
    if (this.#closed) return;
    const flags = new Map(this.#state.flags);
    let changed = !this.#state.folderOk;
    for (const { probe, seq, epoch, reason } of results) {
      if (epoch !== this.#epoch || seq <= (this.#appliedSeq.get(probe) ?? 0)) continue;
      this.#appliedSeq.set(probe, seq);
      if (flags.get(probe) === reason) continue;
      changed = true;
      if (reason === undefined) flags.delete(probe);
      else flags.set(probe, reason);
    }
    this.#forgetOldNames(flags);
    if (!changed) return;
    if (!this.#state.folderOk) this.#logger.info('flag folder readable', { folder: this.folder, flags: flags.size });
    this.#publish({ folder: this.folder, folderOk: true, folderProblem: undefined, flags });
  }

  /** Keeps #appliedSeq as small as the folder; safe only when no older read can still come back. */
  #forgetOldNames(flags: ReadonlyMap<string, string>): void {
    if (this.#readsInFlight > 0 || this.#appliedSeq.size <= flags.size) return;
    for (const probe of this.#appliedSeq.keys()) if (!flags.has(probe)) this.#appliedSeq.delete(probe);
  }

  #publish(state: FlagViewState): void {
    this.#state = state;
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (error) {
        this.#logger.error(`flag view listener failed: ${errorText(error)}`);
      }
    }
  }
}

async function folderId(folder: string): Promise<string> {
  const stats = await stat(folder);
  return `${stats.dev}:${stats.ino}`;
}

/** The words every DeadPool command uses for a flag folder it cannot list. */
export function folderProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the folder does not exist';
  if (code === 'ENOTDIR') return 'the path is not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot list it (${code ?? errorText(error)})`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
