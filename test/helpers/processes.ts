import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

/** Every process /proc shows now (one that vanishes while being read is left out). */
export function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses: split after the last ')'.
    const [state = '', ppid = '', pgrp = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    found.push({ pid: Number(entry), state, ppid: Number(ppid), pgrp: Number(pgrp) });
  }
  return found;
}

/**
 * Processes of the group still alive. A killed grandchild is reparented to PID 1 and stays a zombie
 * (dead, holding nothing but its /proc entry) until PID 1 reaps it, which here takes up to ~2 s:
 * that is PID 1's doing, not ours, so zombies parented elsewhere are not counted.
 */
export const aliveInGroup = (pgid: number): Proc[] => processes().filter((p) => p.pgrp === pgid && p.state !== 'Z');

/** Whether `pid` runs (a zombie does not). */
export const alive = (pid: number): boolean => processes().some((p) => p.pid === pid && p.state !== 'Z');

/** Zombies `parents` have not reaped: a parent that did not wait for its child leaves one. */
export const zombiesOf = (parents: readonly number[]): Proc[] => processes().filter((p) => parents.includes(p.ppid) && p.state === 'Z');
