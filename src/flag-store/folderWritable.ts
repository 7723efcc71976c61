import { access, constants, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Why the current user cannot keep flags in `folder`, or undefined when it can. An existing folder
 * is tried for real (a file created and removed: `access()` says yes to root on a read-only mount
 * and would not see every ACL); a missing one must be creatable, so the nearest folder above it
 * that exists must be writable. The watcher runs this at start; a watcher that cannot write its
 * flags would otherwise run on, logging the same error forever, while the responder fails closed.
 */
export async function folderWritable(folder: string): Promise<string | undefined> {
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    if (info.code !== 'ENOENT') return `cannot use the flag folder ${folder}: ${describe(info)}`;
    let above = path.dirname(folder);
    while ((await stat(above).catch(() => undefined)) === undefined && path.dirname(above) !== above) above = path.dirname(above);
    try {
      await access(above, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      return `cannot create the flag folder ${folder}: ${describe(error as NodeJS.ErrnoException)} in ${above}`;
    }
  }
  if (!info.isDirectory()) return undefined; // The watcher moves a plain file aside and rebuilds the folder.
  const probe = path.join(folder, `.deadpool-write-check.${process.pid}`);
  try {
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return undefined;
  } catch (error) {
    return `cannot write the flag folder ${folder}: ${describe(error as NodeJS.ErrnoException)}`;
  }
}

const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};

export function describe(error: NodeJS.ErrnoException): string {
  const code = error.code;
  return code === undefined ? error.message : `${code}${WORDS[code] ? ` (${WORDS[code]})` : ''}`;
}
