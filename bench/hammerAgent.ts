import net from 'node:net';
import { quantile, round, sleep } from './stats.ts';

export interface AgentLoadResult {
  answers: number;
  seconds: number;
  answersPerS: number;
  /** Connect to the agent's close, per answer. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connections that failed or did not get one line ending in a newline. */
  errors: number;
  /** Each distinct line answered, with its count. */
  lines: Record<string, number>;
}

/** One fresh connection: resolves with the text the agent sent before closing it. */
function askOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

/**
 * What many HAProxy processes asking at once cost: `concurrency` loops, each opening a fresh
 * connection to the agent, reading its line to the close, and starting over, for `durationMs`;
 * as fast as they can, or at about `ratePerS` answers/s in all (each loop starts its next
 * connection `concurrency / ratePerS` s after its last one started).
 */
export async function hammerAgent(port: number, concurrency: number, durationMs: number, ratePerS?: number): Promise<AgentLoadResult> {
  const latencies: number[] = [];
  const lines: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async (): Promise<void> => {
    const gapMs = ratePerS === undefined ? 0 : (1000 * concurrency) / ratePerS;
    // Spread the loops' starts over one gap, so a fixed rate is not a burst every gap.
    if (gapMs > 0) await sleep(Math.random() * gapMs);
    while (performance.now() < deadline) {
      const at = performance.now();
      try {
        const text = await askOnce(port);
        latencies.push(performance.now() - at);
        if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) errors++;
        const line = text.trimEnd();
        lines[line] = (lines[line] ?? 0) + 1;
      } catch {
        errors++;
      }
      if (gapMs > 0) await sleep(at + gapMs - performance.now());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  return {
    answers: latencies.length,
    seconds: round(seconds, 2),
    answersPerS: round(latencies.length / seconds),
    p50Ms: round(quantile(latencies, 0.5), 2),
    p99Ms: round(quantile(latencies, 0.99), 2),
    // Not Math.max(...latencies): a run of more than about 120,000 answers overflows the call stack.
    maxMs: round(latencies.reduce((max, ms) => Math.max(max, ms), 0), 1),
    errors,
    lines,
  };
}
