/**
 * By hand, not part of `npm run bench`: the fast path's CPU per answer in a DC of N probes (1,000
 * by default) against the same config with 4, and bare node:http, in alternating 3 s wrk runs,
 * from /proc (steadier than requests/s on a shared machine). `--frozen` also stops both watchers
 * (SIGSTOP) and measures the fail-closed answers. docs/architecture.md, "Issue 11: where it stands".
 *
 *   npm run build && node --import tsx bench/dcSizeAB.ts [probes] [--frozen]
 */
import { forkServer, type ForkedServer } from './forkServer.ts';
import { startHealthDc, type HealthDc } from './measureHealth.ts';
import { readProcStats } from './readProcStats.ts';
import { runWrk } from './runWrk.ts';
import { TOKEN } from './startDeadpool.ts';

const args = process.argv.slice(2);
const probes = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const ROUNDS = 6;
const AUTH = [`Authorization: Bearer ${TOKEN}`];

async function usPerAnswer(url: string, pid: number, headers: string[]): Promise<number> {
  const before = readProcStats(pid).cpuSeconds;
  const run = await runWrk({ url, connections: 32, durationS: 3, headers });
  return ((readProcStats(pid).cpuSeconds - before) * 1e6) / run.requests;
}

const median = (values: number[]): string => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(1);

async function rounds(label: string, big: HealthDc, small: HealthDc, bare: ForkedServer): Promise<void> {
  const seen: Record<'big' | 'small' | 'bare', number[]> = { big: [], small: [], bare: [] };
  for (let i = 0; i < ROUNDS; i++) {
    // Each side goes first in turn: a spell of the machine's noise falls on all three.
    const order = i % 2 === 0 ? (['big', 'small', 'bare'] as const) : (['bare', 'small', 'big'] as const);
    for (const side of order) {
      const value = side === 'bare' ? await usPerAnswer(bare.url, bare.child.pid, []) : await usPerAnswer(`${(side === 'big' ? big : small).deadpool.origin}/`, (side === 'big' ? big : small).deadpool.web!.pid, AUTH);
      seen[side].push(value);
    }
  }
  const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(' ');
  console.log(`${label}: µs of CPU per answer, median (rounds): ${probes} probes ${median(seen.big)} (${list(seen.big)}), 4 probes ${median(seen.small)} (${list(seen.small)}), bare node:http ${median(seen.bare)} (${list(seen.bare)})`);
}

const backend = await forkServer('backendServer.ts');
await backend.ask({ healthy: true });
const bare = await forkServer('bareServer.ts');
const big = await startHealthDc(backend, probes, { needOk: false });
const small = await startHealthDc(backend, 4, { needOk: false });
try {
  // JIT warm-up for all three before anything counts.
  await rounds('warm-up', big, small, bare);
  await rounds('watchers running', big, small, bare);
  if (args.includes('--frozen')) {
    for (const dc of [big, small]) process.kill(dc.deadpool.watcher!.pid, 'SIGSTOP');
    // Past the freshness limit (2 heartbeats + stale_grace): both answer 503 from here on.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    await rounds('watchers frozen', big, small, bare);
    for (const dc of [big, small]) process.kill(dc.deadpool.watcher!.pid, 'SIGCONT');
  }
} finally {
  await Promise.all([big.stop(), small.stop()]);
  await Promise.all([backend.child.stop(), bare.child.stop()]);
}
