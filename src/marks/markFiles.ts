import path from 'node:path';
import type { MarkKind } from './Mark.ts';

/**
 * Where marks live, inside the flag folder so that `ls probe-status/` still tells the whole story:
 * `drain`, `maint` and `ack` for the whole DC (haproxy_agent's drain and maint files),
 * `drains/<pool>`, `acks/<probe>` and `sticky/<category>`. None of these names can be taken for
 * a flag (`*.dead`). Maintenance is of the whole DC only: a pool is taken out with a drain.
 */
export const DC_FILES: Record<Exclude<MarkKind, 'sticky'>, string> = { ack: 'ack', drain: 'drain', maint: 'maint' };
export const SUBFOLDERS: Record<Exclude<MarkKind, 'maint'>, string> = { ack: 'acks', drain: 'drains', sticky: 'sticky' };

export function markFile(folder: string, kind: MarkKind, target: string | undefined): string {
  if (target !== undefined) {
    if (kind === 'maint') throw new Error('a maint mark is always on the whole DC');
    return path.join(folder, SUBFOLDERS[kind], target);
  }
  if (kind === 'sticky') throw new Error('a sticky mark is always on a category');
  return path.join(folder, DC_FILES[kind]);
}
