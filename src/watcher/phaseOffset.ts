/**
 * Where in its period a probe's checks fall, from its name: a delay in (0, periodMs].
 *
 * Every probe's first check runs at once (a probe is `pending` for at most one timeout), and the
 * second one `phaseOffset` later instead of a whole period later. Probes started together (at
 * start-up, or by a reload) then spread over their period rather than firing as one burst every
 * period, which at thousands of probes made checks start late and memory peak. The gap is never
 * longer than a period, so no failure is found later than the period promises. The offset depends
 * only on the name, so a restart gives the same spread.
 */
export function phaseOffset(name: string, periodMs: number): number {
  // FNV-1a (32 bit): cheap, and names that differ by one character land far apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  const fraction = (hash >>> 0) / 2 ** 32;
  return periodMs - Math.floor(fraction * periodMs);
}
