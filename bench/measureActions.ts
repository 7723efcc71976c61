import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { forkServer } from './forkServer.ts';
import { startDeadpool, waitForFirstRound } from './startDeadpool.ts';
import { quantile, randomBetween, round, sleep } from './stats.ts';

export interface ActionsResult {
  flips: number;
  periodS: number;
  /** The end of the check that turned the verdict (DEADPOOL_SINCE) → the action's command running, in ms. */
  changeToStartMs: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The backend's flip → the action's command running (detection included: up to a period). */
  flipToStartP50Ms: number;
  flipToStartP99Ms: number;
  /** Where the time goes: the check's end → the watcher logs `running on_…` (verdict worked out, runner called; ms resolution of the log). */
  changeToDispatchP50Ms: number;
  changeToDispatchP99Ms: number;
  /** That log line → the command running (IPC to the exec helper, its fork, /bin/sh, date). */
  dispatchToStartP50Ms: number;
  dispatchToStartP99Ms: number;
  /** Flips no action answered within 10 s. */
  missed: number;
}

/**
 * Issue 12: `deadpool watcher` with one url probe at `periodS` whose backend flips, and one action
 * on the base URL's verdict whose command writes `$DEADPOOL_SINCE` (the end of the check that
 * turned the verdict, epoch ms) and its own start time (`date +%s%3N`: the shell and `date` have
 * started, so the figure is an upper bound of the start by a millisecond or two).
 */
export async function measureActions(plan: { flips: number; periodS: number }): Promise<ActionsResult> {
  const backend = await forkServer('backendServer.ts');
  await backend.ask({ healthy: true });
  let out = '';
  const deadpool = await startDeadpool({
    web: false,
    // One line per action run, to split the time: negligible next to the checks' own work.
    logLevel: 'info',
    probes: [{ name: 'elastic', url: backend.url, period: plan.periodS, timeout: 0.5, fall: 1, rise: 1 }],
    sections: `actions:\n  bench:\n    on_up: 'echo "up $DEADPOOL_SINCE $(date +%s%3N)" >> actions.out'\n    on_down: 'echo "down $DEADPOOL_SINCE $(date +%s%3N)" >> actions.out'\n    timeout: 10\n`,
  });
  out = path.join(deadpool.dir, 'actions.out');
  const lines = async (): Promise<string[]> => (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const changeToStartMs: number[] = [];
  const flipToStartMs: number[] = [];
  const changeToDispatchMs: number[] = [];
  const dispatchToStartMs: number[] = [];
  let missed = 0;
  try {
    await waitForFirstRound(deadpool, 1, 30_000);
    for (let deadline = Date.now() + 20_000; (await lines()).length < 1; await sleep(10)) if (Date.now() > deadline) throw new Error('the action did not run at start-up');
    for (let i = 0; i < plan.flips; i++) {
      const healthy = i % 2 === 1;
      await sleep(randomBetween(300, 1300));
      const seen = (await lines()).length;
      const flippedAt = Date.now();
      await backend.ask({ healthy });
      const deadline = Date.now() + 10_000;
      let line: string | undefined;
      for (;;) {
        const now = await lines();
        if (now.length > seen) {
          line = now[seen];
          break;
        }
        if (Date.now() > deadline) break;
        await sleep(2);
      }
      const [state, since, started] = line?.split(' ') ?? [];
      if (state !== (healthy ? 'up' : 'down')) {
        missed++;
        continue;
      }
      changeToStartMs.push(Number(started) - Number(since));
      flipToStartMs.push(Number(started) - flippedAt);
      const dispatched = [...(deadpool.watcher?.output ?? '').matchAll(/^(\S+) INFO +\S+ action bench: .*running on_(up|down)\b/gm)].at(-1);
      if (dispatched?.[2] === state) {
        const at = Date.parse(dispatched[1]!);
        changeToDispatchMs.push(at - Number(since));
        dispatchToStartMs.push(Number(started) - at);
      }
    }
  } finally {
    await deadpool.stop();
    await backend.child.stop();
  }
  return {
    flips: plan.flips,
    periodS: plan.periodS,
    changeToStartMs,
    p50Ms: round(quantile(changeToStartMs, 0.5), 1),
    p99Ms: round(quantile(changeToStartMs, 0.99), 1),
    maxMs: Math.max(...changeToStartMs),
    flipToStartP50Ms: round(quantile(flipToStartMs, 0.5), 1),
    flipToStartP99Ms: round(quantile(flipToStartMs, 0.99), 1),
    changeToDispatchP50Ms: round(quantile(changeToDispatchMs, 0.5), 1),
    changeToDispatchP99Ms: round(quantile(changeToDispatchMs, 0.99), 1),
    dispatchToStartP50Ms: round(quantile(dispatchToStartMs, 0.5), 1),
    dispatchToStartP99Ms: round(quantile(dispatchToStartMs, 0.99), 1),
    missed,
  };
}
