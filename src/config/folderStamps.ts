import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Names, sizes and mtimes of the module files in `folders`: changes when a module is dropped, edited or removed. */
export async function modulesStamp(folders: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const folder of folders) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names.filter((n) => /\.(m?ts|m?js|cjs)$/.test(n)).sort()) {
      const info = await stat(path.join(folder, name)).catch(() => undefined);
      parts.push(`${folder}/${name}:${info?.mtimeMs ?? '-'}:${info?.size ?? '-'}`);
    }
  }
  return parts.join('\n');
}

/** Every file's name, size, mtime and mode in `folders`: a `chmod +x` changes it too. */
export async function scriptsStamp(folders: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const folder of folders) {
    for (const name of (await readdir(folder).catch(() => [] as string[])).sort()) {
      const info = await stat(path.join(folder, name)).catch(() => undefined);
      parts.push(`${folder}/${name}:${info?.mtimeMs ?? '-'}:${info?.size ?? '-'}:${info?.mode ?? '-'}`);
    }
  }
  return parts.join('\n');
}

/** mtime and size of `file`, or '' when it cannot be stat'ed. */
export async function fileStamp(file: string): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  return info ? `${info.mtimeMs}:${info.size}` : '';
}
