import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { probeOfFlag } from '../flag-store/flagFormat.ts';
import { parseWatcherState, STATE_FILE, type WatcherState } from '../flag-store/watcherState.ts';
import type { FlagsSeen } from '../verdict/probeStatuses.ts';
import { folderProblem } from '../web/FlagView.ts';
import { readFlagReason } from '../web/readFlagReason.ts';

/**
 * The flag folder as the responder would see it at this moment, read once: the flags and the
 * watcher's state file. A folder that cannot be listed is said as the responder says it.
 */
export async function readFolderOnce(folder: string): Promise<{ seen: FlagsSeen; state: WatcherState | undefined }> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    return { seen: { folderOk: false, folderProblem: folderProblem(error), flags: new Map() }, state: undefined };
  }
  const flags = new Map<string, string>();
  for (const name of names) {
    const probe = probeOfFlag(name);
    if (probe === undefined) continue;
    const reason = await readFlagReason(path.join(folder, name));
    if (reason !== undefined) flags.set(probe, reason);
  }
  const text = await readFile(path.join(folder, STATE_FILE), 'utf8').catch(() => undefined);
  return { seen: { folderOk: true, folderProblem: undefined, flags }, state: text === undefined ? undefined : parseWatcherState(text) };
}
