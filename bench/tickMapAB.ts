/**
 * By hand, not part of `npm run bench`: why `deadpool web` keeps a tick object alive
 * (src/web/keepTickMapAlive.ts). A bare node:http server is flooded for 1 s, then left idle for
 * two major collections, `cycles` times; then measured, against the same server that holds a
 * tick object, pinned alike. Without the hold, two such cycles took a bare server from about
 * 102,000 to 79,000 requests/s on this machine (docs/architecture.md, session 12).
 *
 *   node --import tsx bench/tickMapAB.ts [cycles, default 4]
 */
import { NODE_FLAGS } from '../src/cli/nodeFlags.ts';
import { forkServer } from './forkServer.ts';
import { cpuPlan, pinProcess } from './pinCpus.ts';
import { runWrk } from './runWrk.ts';
import { round } from './stats.ts';

const cycles = Number(process.argv[2] ?? 4);
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
for (let round_ = 1; round_ <= 3; round_++) {
  const without = await measure(false);
  const withHold = await measure(true);
  console.log(`round ${round_}, ${cycles} cycles: without the hold ${round(without)} req/s, with it ${round(withHold)}: ${round(without / withHold, 3)}`);
}
