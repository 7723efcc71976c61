/**
 * By hand, not part of `npm run bench`: why `deadpool web` keeps a tick object alive
 * (src/web/keepTickMapAlive.ts). A bare node:http server is flooded for 1 s, then left idle for
 * two major collections, `cycles` times; then measured, against the same server that holds a
 * tick object, pinned alike, in alternating order. Without the hold, 4 cycles left a bare server at
 * 77,000-80,000 requests/s against 97,000-99,000 with it (BENCHMARKS.md, "Session 12").
 *
 *   node --import tsx bench/tickMapAB.ts [cycles, default 4]
 */
import { NODE_FLAGS } from '../src/cli/nodeFlags.ts';
import { forkServer } from './forkServer.ts';
import { cpuPlan, pinProcess } from './pinCpus.ts';
import { runWrk } from './runWrk.ts';
import { round } from './stats.ts';

const cycles = Number(process.argv[2] ?? 4);
if (!Number.isInteger(cycles) || cycles < 0) throw new Error(`usage: tickMapAB.ts [cycles]: "${process.argv[2]}" is not a whole number`);
const plan = cpuPlan();
const measure = async (hold: boolean): Promise<number> => {
  const server = await forkServer('gcCycleServer.ts', { nodeArgs: [...NODE_FLAGS.web, '--expose-gc'], args: hold ? ['--hold'] : [] });
  try {
    if (plan) pinProcess(server.child.pid, plan.server);
    const run = (durationS: number) => runWrk({ url: server.url, connections: 32, durationS, headers: [], serverPid: server.child.pid, ...(plan ? { cpus: plan.load } : {}) });
    await run(1);
    for (let i = 0; i < cycles; i++) {
      await server.ask({});
      await run(1);
    }
    return (await run(4)).requestsPerS;
  } finally {
    await server.child.stop();
  }
};
for (let round_ = 1; round_ <= 4; round_++) {
  // Alternating which goes first, so that a change of the machine's pace does not favour one.
  const rps = new Map<boolean, number>();
  for (const hold of round_ % 2 === 1 ? [false, true] : [true, false]) rps.set(hold, await measure(hold));
  const without = rps.get(false)!;
  const withHold = rps.get(true)!;
  console.log(`round ${round_}, ${cycles} cycles: without the hold ${round(without)} req/s, with it ${round(withHold)}: ${round(without / withHold, 3)}`);
}
