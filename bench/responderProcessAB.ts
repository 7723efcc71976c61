/**
 * By hand, not part of `npm run bench`: what running the responder does to Node's HTTP code in
 * its process. Two copies of the bare node:http server (bareServer.ts), both with the responder's
 * node flags and pinned alike (measureThroughput): one alone, one in a process that also runs
 * `deadpool web` for a DC of N probes (1,000 by default), which answers on its own port and is
 * sent a few pages, JSON answers and scrapes first. Same handler, same server settings: any
 * difference is the process. docs/architecture.md, "Issue 11: where it stands" (session 10).
 *
 *   npm run build && node --import tsx bench/responderProcessAB.ts [probes] [--no-pages | --kinds=page,json,metrics,base]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NODE_FLAGS } from '../src/cli/nodeFlags.ts';
import { freePort } from '../test/helpers/responderClient.ts';
import { forkServer } from './forkServer.ts';
import { startHealthDc } from './measureHealth.ts';
import { measureThroughput } from './measureThroughput.ts';
import { TOKEN } from './startDeadpool.ts';

const probes = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1000);
const backend = await forkServer('backendServer.ts');
await backend.ask({ healthy: true });
const dc = await startHealthDc(backend, probes, { needOk: false });
const port = await freePort();
const config = path.join(dc.deadpool.dir, 'beside.yaml');
await writeFile(config, (await readFile(dc.deadpool.config, 'utf8')).replace(/\bport: \d+/, `port: ${port}`));
const alone = await forkServer('bareServer.ts', { nodeArgs: NODE_FLAGS.web });
const beside = await forkServer('bareServer.ts', { nodeArgs: NODE_FLAGS.web, args: ['--beside', config] });
try {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const origin = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    const answered = await fetch(`${origin}/`, { headers: auth, signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`the responder beside the bare server did not answer: ${beside.child.output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // What the bench's page section sends it, so that Koa's code has run too (`--no-pages`: not;
  // `--kinds=page,json,metrics`: only those).
  const kinds = process.argv.find((a) => a.startsWith('--kinds='))?.slice('--kinds='.length).split(',') ?? ['base', 'page', 'json', 'metrics'];
  const all = [['base', '/', '*/*'], ['page', '/__health', 'text/html'], ['json', '/__health', 'application/json'], ['metrics', '/metrics', '*/*']] as const;
  const requests = process.argv.includes('--no-pages') ? [] : all.filter(([kind]) => kinds.includes(kind));
  console.log(`before measuring: 20 rounds of ${requests.map(([kind]) => kind).join(', ') || 'nothing'}`);
  for (let i = 0; i < 20; i++) {
    for (const [, route, accept] of requests) {
      await (await fetch(`${origin}${route}`, { headers: { ...auth, accept } })).arrayBuffer();
    }
  }
  const same = { bareUrl: alone.url, responderPid: beside.child.pid, barePid: alone.child.pid, connections: 32, rounds: 6, secondsPerRun: 3 };
  for (let run = 1; run <= 2; run++) {
    const r = await measureThroughput({ ...same, responderUrl: beside.url, headers: [] });
    console.log(`run ${run}: bare node:http beside the responder / alone: ${r.medianRatio} (${r.medianResponderRps} / ${r.medianBareRps} req/s; rounds ${r.rounds.map((x) => x.ratio).join(' ')})${r.pinned ? `; servers on CPU ${r.pinned.server}, wrk on ${r.pinned.load}` : ''}`);
    // The bench's own measure (section 14's), in the same spell: the responder's fast path in that process against the bare server alone.
    const f = await measureThroughput({ ...same, responderUrl: `${origin}/`, headers: [`Authorization: Bearer ${TOKEN}`] });
    console.log(`run ${run}: the responder's fast path / bare node:http alone: ${f.medianRatio} (${f.medianResponderRps} / ${f.medianBareRps} req/s; rounds ${f.rounds.map((x) => x.ratio).join(' ')})`);
  }
} finally {
  await Promise.all([alone.child.stop(), beside.child.stop()]);
  await dc.stop();
  await backend.child.stop();
}
