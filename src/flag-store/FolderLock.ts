import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** In the flag folder, hidden (never a flag), holding the watcher's pid. */
export const LOCK_FILE = '.deadpool-watcher.lock';

/** Whether `pid` is a running DeadPool: a pid reused by another program after a crash does not hold the lock. */
export async function isLiveDeadpool(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return command === undefined || command.includes('deadpool');
}

export type LockOutcome =
  | { taken: true; lock: FolderLock; tookOverFrom?: number }
  | { taken: false; heldBy: number };

/**
 * One watcher per flag folder. Two would each write their own view of the same probes, and the
 * answer would flip between them every heartbeat. The lock is a file with the holder's pid; a lock
 * left by a process that is gone is taken over. Two watchers starting at the same moment over a
 * dead lock may both take it over: the one whose write lost sees another pid at its next check
 * (`holder()`, every heartbeat) and must stop.
 */
export class FolderLock {
  readonly file: string;
  readonly pid: number;

  private constructor(folder: string, pid: number) {
    this.file = path.join(folder, LOCK_FILE);
    this.pid = pid;
  }

  static async take(folder: string, pid = process.pid, alive = isLiveDeadpool): Promise<LockOutcome> {
    const lock = new FolderLock(folder, pid);
    try {
      await writeFile(lock.file, lock.content(), { flag: 'wx', mode: 0o644 });
      return { taken: true, lock };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await lock.holder();
    if (holder !== undefined && holder !== pid && (await alive(holder))) return { taken: false, heldBy: holder };
    await lock.rewrite();
    return holder === undefined || holder === pid ? { taken: true, lock } : { taken: true, lock, tookOverFrom: holder };
  }

  content(): string {
    return `${this.pid}\n`;
  }

  /** The pid the lock file names now; undefined when it is missing or unreadable. */
  async holder(): Promise<number | undefined> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    const pid = Number.parseInt(text ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Puts the lock back (the folder was rebuilt, or someone removed the file). */
  async rewrite(): Promise<void> {
    const temp = `${this.file}.${this.pid}.tmp`;
    await writeFile(temp, this.content(), { mode: 0o644 });
    await rename(temp, this.file);
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    if ((await this.holder()) === this.pid) await rm(this.file, { force: true });
  }
}
