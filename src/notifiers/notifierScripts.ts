import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Platoon's notifier folder: every executable regular file in it, by name (hidden files and
 * editors' backups `~` left out). A missing folder has none.
 */
export async function notifierScripts(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const scripts: string[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const info = await stat(path.join(folder, name)).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o111) !== 0) scripts.push(name);
  }
  return scripts;
}
