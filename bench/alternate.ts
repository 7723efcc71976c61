/**
 * Runs A and B `rounds` times, alternating which goes first (ABBAAB…), so that a slow spell of
 * the shared machine hits both sides alike; returns the pairs in round order.
 */
export async function alternate<T>(rounds: number, runA: () => Promise<T>, runB: () => Promise<T>): Promise<{ a: T; b: T }[]> {
  const pairs: { a: T; b: T }[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const a = await runA();
      const b = await runB();
      pairs.push({ a, b });
    } else {
      const b = await runB();
      const a = await runA();
      pairs.push({ a, b });
    }
  }
  return pairs;
}
