import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { flagFileName, probeOfFlag } from './flagFormat.ts';

let tempCounter = 0;

/**
 * The watcher's side of the flag folder. Every write is a temp file plus a rename in the same
 * folder, so a reader sees the old flag or the new one, never none and never half of one: the
 * original deleted the flag before each check and answered 200 for a moment every cycle.
 */
export class FlagStore {
  readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
  }

  /** Creates the folder if missing (at start, and whenever it vanished while running). */
  async ensureFolder(): Promise<void> {
    await mkdir(this.folder, { recursive: true, mode: 0o755 });
  }

  /** Writes a flag atomically. A missing folder is an error (ENOENT): see rebuild(). */
  async write(probe: string, content: string): Promise<void> {
    await this.writeFile(flagFileName(probe), content);
  }

  /** Atomically replaces `fileName` in the folder (flags, and the watcher's state file). */
  async writeFile(fileName: string, content: string): Promise<void> {
    const temp = path.join(this.folder, `.${fileName}.${process.pid}.${++tempCounter}.tmp`);
    try {
      await writeFile(temp, content, { mode: 0o644 });
      // The mode above is filtered by the umask; flags must stay readable by the responder's user.
      await chmod(temp, 0o644);
      await rename(temp, path.join(this.folder, fileName));
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Recreates a vanished folder with all its files at once: built as a hidden sibling, then
   * renamed into place. Creating it empty and writing the flags after would show the responder
   * an empty folder, that is a 200, for a moment while probes are failing.
   */
  async rebuild(files: ReadonlyMap<string, string>): Promise<void> {
    const parent = path.dirname(this.folder);
    await mkdir(parent, { recursive: true });
    const temp = path.join(parent, `.${path.basename(this.folder)}.rebuild.${process.pid}.${++tempCounter}`);
    await mkdir(temp);
    try {
      await chmod(temp, 0o755);
      for (const [name, content] of files) {
        await writeFile(path.join(temp, name), content);
        await chmod(path.join(temp, name), 0o644);
      }
      await rename(temp, this.folder);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Someone made the folder meanwhile and put files in it: add ours one by one instead.
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      for (const [name, content] of files) await this.writeFile(name, content);
    }
  }

  async remove(probe: string): Promise<void> {
    await rm(path.join(this.folder, flagFileName(probe)), { force: true });
  }

  /** Probes that have a flag now; an absent folder has none. */
  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.map(probeOfFlag).filter((p): p is string => p !== undefined);
  }
}
