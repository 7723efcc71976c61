import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MANUAL_PROBE, type Dc } from './startDc.ts';
import { quantile, randomBetween, round, sleep } from './stats.ts';

export interface PropagationResult {
  cycles: number;
  pollGapMs: number;
  writeMs: number[];
  removeMs: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  missed: number;
}

const POLL_GAP_MS = 1;

/**
 * An operator writes `manual.dead` by hand (a plain write, not the watcher's atomic rename) and
 * later removes it; each time, how long until the responder's answer changes (503, then 200).
 * The manual probe is up and checked once an hour, so the watcher leaves its flag alone.
 */
export async function measureFlagPropagation(dc: Dc, cycles: number): Promise<PropagationResult> {
  const flag = path.join(dc.deadpool.folder, `${MANUAL_PROBE}.dead`);
  const poller = dc.poll(POLL_GAP_MS);
  const writeMs: number[] = [];
  const removeMs: number[] = [];
  let missed = 0;
  const timeChange = async (change: () => Promise<void>, expected: number, into: number[]): Promise<void> => {
    await sleep(randomBetween(100, 300));
    const at = performance.now();
    await change();
    try {
      const answer = await poller.next((a) => a.status === expected && a.sentAt >= at, 5000);
      into.push(round(answer.at - at, 2));
    } catch {
      missed++;
    }
  };
  try {
    for (let i = 0; i < cycles; i++) {
      await timeChange(() => writeFile(flag, 'taken out by hand for maintenance\n'), 503, writeMs);
      await timeChange(() => rm(flag, { force: true }), 200, removeMs);
    }
  } finally {
    await poller.stop();
    await rm(flag, { force: true });
  }
  const all = [...writeMs, ...removeMs];
  return {
    cycles,
    pollGapMs: POLL_GAP_MS,
    writeMs,
    removeMs,
    p50Ms: round(quantile(all, 0.5), 2),
    p99Ms: round(quantile(all, 0.99), 2),
    maxMs: round(Math.max(...all), 2),
    missed,
  };
}
