import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { SAFE_NAME } from '../config/names.ts';
import type { Mark, MarkKind, Marks } from './Mark.ts';
import { DC_FILES, SUBFOLDERS } from './markFiles.ts';
import { parseMark } from './markFormat.ts';

/** A mark is a line or two; a file someone filled with junk is not read further. */
const MAX_MARK_BYTES = 4096;

/**
 * Every mark in the flag folder. A missing file or subfolder is no mark. A file that exists but
 * cannot be read is a mark with a `problem` (the verdict ignores such an ack, and drains on such
 * a drain); so is a subfolder that cannot be listed, as a DC-wide mark.
 */
export async function readMarks(folder: string): Promise<Marks> {
  const [ack, acks, drain, drains, sticky, maint] = await Promise.all([
    readOne('ack', undefined, path.join(folder, DC_FILES.ack)),
    readAll('ack', folder),
    readOne('drain', undefined, path.join(folder, DC_FILES.drain)),
    readAll('drain', folder),
    readAll('sticky', folder),
    readOne('maint', undefined, path.join(folder, DC_FILES.maint)),
  ]);
  return { acks: ack ? [ack, ...acks] : acks, drains: drain ? [drain, ...drains] : drains, sticky, maint: maint ? [maint] : [] };
}

async function readAll(kind: Exclude<MarkKind, 'maint'>, folder: string): Promise<Mark[]> {
  const sub = path.join(folder, SUBFOLDERS[kind]);
  let names: string[];
  try {
    names = await readdir(sub);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    // A sticky or drain folder that cannot be listed may hide a mark: fail closed on the whole DC.
    if (kind === 'ack') return [];
    return [{ kind, target: undefined, file: sub, reason: '', by: undefined, at: 0, until: undefined, problem: `cannot list ${sub} (${code ?? String(error)})` }];
  }
  const marks = await Promise.all(names.filter((name) => SAFE_NAME.test(name)).sort().map((name) => readOne(kind, name, path.join(sub, name))));
  return marks.filter((mark): mark is Mark => mark !== undefined);
}

async function readOne(kind: MarkKind, target: string | undefined, file: string): Promise<Mark | undefined> {
  const broken = (problem: string): Mark => ({ kind, target, file, reason: '', by: undefined, at: 0, until: undefined, problem });
  let handle;
  try {
    // O_NONBLOCK: a FIFO named like a mark must not park a libuv thread forever.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : broken(`cannot read ${file} (${code ?? String(error)})`);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return undefined;
    if (!info.isFile()) return broken(`${file} is not a regular file`);
    const buffer = Buffer.alloc(MAX_MARK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_MARK_BYTES, 0);
    return parseMark(kind, target, file, buffer.toString('utf8', 0, bytesRead), info.mtimeMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : broken(`cannot read ${file} (${code ?? String(error)})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
