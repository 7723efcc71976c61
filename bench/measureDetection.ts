import type { Dc } from './startDc.ts';
import { quantile, randomBetween, round, sleep } from './stats.ts';

export interface DetectionResult {
  flips: number;
  pollGapMs: number;
  /** Flip to failing → first 503, and back to healthy → first 200, in ms, in order. */
  downMs: number[];
  upMs: number[];
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Flips whose answer did not change within 10 s. */
  missed: number;
}

const POLL_GAP_MS = 2;

/**
 * Flips the elastic probe's backend `flips` times (failing, healthy, failing…), each after a
 * random pause so flips land at every phase of the probe's 1 s schedule, and times each flip to
 * the first answer that shows it: 503 after a flip to failing, 200 after a flip back.
 */
export async function measureDetection(dc: Dc, flips: number): Promise<DetectionResult> {
  const poller = dc.poll(POLL_GAP_MS);
  const downMs: number[] = [];
  const upMs: number[] = [];
  let missed = 0;
  try {
    for (let i = 0; i < flips; i++) {
      const toFailing = i % 2 === 0;
      await sleep(randomBetween(300, 1300));
      const flippedAt = await dc.setHealthy(!toFailing);
      const expected = toFailing ? 503 : 200;
      try {
        const answer = await poller.next((a) => a.status === expected && a.sentAt >= flippedAt, 10_000);
        (toFailing ? downMs : upMs).push(round(answer.at - flippedAt, 1));
      } catch {
        missed++;
      }
    }
  } finally {
    await poller.stop();
    await dc.setHealthy(true);
  }
  const all = [...downMs, ...upMs];
  return {
    flips,
    pollGapMs: POLL_GAP_MS,
    downMs,
    upMs,
    p50Ms: round(quantile(all, 0.5), 1),
    p95Ms: round(quantile(all, 0.95), 1),
    maxMs: round(Math.max(...all), 1),
    missed,
  };
}
