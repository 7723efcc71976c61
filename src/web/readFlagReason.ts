import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { plainLine } from '../verdict/plainLine.ts';

/** A reason is one line; reading more of a file someone filled with junk would only cost memory. */
export const MAX_FLAG_READ_BYTES = 4096;

export const NO_REASON = '(no reason given)';

/**
 * The first line of a flag file, or undefined when there is no flag there (any more).
 * A flag that exists but cannot be read still counts as a flag: its existence is the signal,
 * the reason is only for humans, so "unreadable" must never turn a DC green.
 */
export async function readFlagReason(file: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO someone named `x.dead` must not park a libuv thread forever.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return absentOrUnreadable(error);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) return undefined;
    if (!stats.isFile()) return '(flag is not a regular file)';
    const buffer = Buffer.alloc(MAX_FLAG_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_FLAG_READ_BYTES, 0);
    return plainLine(buffer.toString('utf8', 0, bytesRead)) || NO_REASON;
  } catch (error) {
    return absentOrUnreadable(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function absentOrUnreadable(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  // ENOENT is the normal race (removed between the event and the read); ENOTDIR: the folder became a file.
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
  return `(flag unreadable: ${code ?? String(error)})`;
}
