import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The flag folder does not exist yet: marks go in it, and only the watcher may create it (with its owner and mode). */
export class NoFlagFolderError extends Error {
  override name = 'NoFlagFolderError';
}

let tempCounter = 0;

/**
 * Writes a mark file atomically (a hidden temp file renamed into place, readable by every
 * DeadPool process) in `flagFolder` or one of its subfolders, creating the subfolder if needed: a
 * reader sees the old mark or the new one, never half of one. The flag folder itself is never
 * created here: made by an operator's root shell, the watcher could not write it.
 */
export async function writeMark(flagFolder: string, file: string, text: string): Promise<void> {
  const info = await stat(flagFolder).catch(() => undefined);
  if (!info?.isDirectory()) throw new NoFlagFolderError(`the flag folder ${flagFolder} does not exist: start the watcher once (it creates the folder), then try again`);
  if (path.dirname(file) !== flagFolder) await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`);
  try {
    await writeFile(temp, text, { mode: 0o644 });
    await chmod(temp, 0o644);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Removes a mark file; true when there was one. */
export async function removeMark(file: string): Promise<boolean> {
  try {
    await rm(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
