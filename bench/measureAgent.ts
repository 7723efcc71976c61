import { startHaproxy, type Haproxy, type ServerStat } from '../test/helpers/haproxy.ts';
import { freePort } from '../test/helpers/responderClient.ts';
import { alternate } from './alternate.ts';
import { forkServer } from './forkServer.ts';
import { hammerAgent, type AgentLoadResult } from './hammerAgent.ts';
import { cpuPlan, pinProcess, unpinProcess, type CpuPlan } from './pinCpus.ts';
import { readProcStats } from './readProcStats.ts';
import { runWrk, type WrkResult } from './runWrk.ts';
import { startDc, type Dc } from './startDc.ts';
import { TOKEN } from './startDeadpool.ts';
import { median, quantile, randomBetween, round, sleep } from './stats.ts';

export interface AgentPlan {
  rounds: number;
  runS: number;
  /** Fresh connections to the agent at once. */
  agentConcurrency: number;
  /** wrk's connections to the responder (Cloudflare's side, as a flood). */
  wrkConnections: number;
  flips: number;
  agentInterMs: number;
  /** The agent load at a steady rate (answers/s), for the responder's throughput ratio at a busy but real load. */
  steadyRatePerS: number;
}

export interface AgentResult {
  plan: AgentPlan;
  /** The agent under load with nothing else asking the responder (the median round of `vsBare`). */
  alone: AgentLoadResult;
  /** The agent flooded alone against a bare node:net server answering a constant line (bareLineServer.ts), alternating rounds. */
  vsBare: { agentPerS: number; barePerS: number; ratio: number; agentCpuUsPerAnswer: number; bareCpuUsPerAnswer: number }[];
  /** Median of the rounds' agent ÷ bare answers/s. */
  bareRatio: number;
  /** The responder's CPU time per agent answer (µs), less what it spends idle (its polls of the flag folder), and the bare server's. */
  responderCpuUsPerAnswer: number;
  bareCpuUsPerAnswer: number;
  /** CPU (% of a core) each spends with nothing asked. */
  idleCpuPercent: { responder: number; bare: number };
  /**
   * wrk alone against wrk with the agent asked `steadyRatePerS` times a second; the control: the
   * same for bare node:http while a bare line server is asked; `agentCost`: the first ratio over
   * the second.
   */
  steady: {
    rounds: { responderAloneRps: number; responderWithAgentRps: number; ratio: number; agent: AgentLoadResult }[];
    medianRatio: number;
    controlRatios: number[];
    controlRatio: number;
    agentCost: number;
    medianAgentP99Ms: number;
  };
  rounds: { responderAloneRps: number; responderWithAgentRps: number; ratio: number; agent: AgentLoadResult; responderCpuWithAgent?: number }[];
  /** Responder requests/s while the agent is hammered ÷ without: what the agent costs the Cloudflare answers. */
  medianRatio: number;
  medianAgentAnswersPerS: number;
  medianAgentP99Ms: number;
  worstAgentP99Ms: number;
  agentErrors: number;
  responderNon2xx: number;
  /** Backend failure → HAProxy shows the server DOWN, and recovery → UP again (agent-up), in ms. */
  failure: { downMs: number[]; upMs: number[]; responderDownMs: number[]; p50Ms: number; p95Ms: number; maxMs: number; upP50Ms: number; missed: number };
}

const isDown = (s: ServerStat): boolean => (s['status'] ?? '').startsWith('DOWN');
const isAgentUp = (s: ServerStat): boolean => s['status'] === 'UP' && s['last_agt'] === 'via agent : up';

/** Polls HAProxy's stats socket until `ok`; resolves with performance.now() of the first answer that shows it. */
async function seen(haproxy: Haproxy, ok: (s: ServerStat) => boolean, timeoutMs: number): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const stat = await haproxy.stat();
    if (ok(stat)) return performance.now();
    await sleep(2);
  }
  return undefined;
}

/**
 * Issue 12's agent figures, on the bench DC (4 url probes at 1 s, fall = rise = 1) with an agent:
 * the agent's answers/s and latency over fresh connections while wrk floods the responder's base
 * URL, the responder's throughput with and without that agent load (alternating rounds), and the
 * time from a backend failure to a real HAProxy (agent-inter as planned) marking the server DOWN.
 */
export async function measureAgent(plan: AgentPlan, log: (line: string) => void): Promise<AgentResult> {
  const agentPort = await freePort();
  const dc: Dc = await startDc({ sections: `Agent: { host: 127.0.0.1, port: ${agentPort}, weight: 100 }\n` });
  let haproxy: Haproxy | undefined;
  let pinned: CpuPlan | undefined;
  try {
    const responderUrl = `${dc.deadpool.origin}/`;
    const webPid = dc.deadpool.web!.pid;
    const headers = [`Authorization: Bearer ${TOKEN}`];
    // Pinned as measureThroughput pins (pinCpus.ts): the responder and the bare line server on the
    // server's CPU; wrk, and this process, which asks the agent, on the others.
    pinned = cpuPlan();
    if (pinned && !(pinProcess(webPid, pinned.server) && pinProcess(process.pid, pinned.load))) pinned = undefined;
    const onLoadCpus = pinned ? { cpus: pinned.load } : {};
    const bare = await forkServer('bareLineServer.ts');
    if (pinned) pinProcess(bare.child.pid, pinned.server);
    // What each process spends doing nothing (the responder polls its folder and marks): taken off its CPU per answer.
    const idleRate = async (pid: number): Promise<number> => {
      const before = readProcStats(pid).cpuSeconds;
      const at = performance.now();
      await sleep(3000);
      return (readProcStats(pid).cpuSeconds - before) / ((performance.now() - at) / 1000);
    };
    const idle = new Map<number, number>([
      [webPid, await idleRate(webPid)],
      [bare.child.pid, await idleRate(bare.child.pid)],
    ]);
    log(`  idle CPU: responder ${round(idle.get(webPid)! * 100, 1)} %, bare server ${round(idle.get(bare.child.pid)! * 100, 1)} % of a core`);
    const flood = async (port: number, pid: number): Promise<{ load: AgentLoadResult; cpuUsPerAnswer: number }> => {
      const before = readProcStats(pid).cpuSeconds;
      const load = await hammerAgent(port, plan.agentConcurrency, plan.runS * 1000);
      const spent = readProcStats(pid).cpuSeconds - before - idle.get(pid)! * load.seconds;
      return { load, cpuUsPerAnswer: round((Math.max(0, spent) * 1e6) / Math.max(1, load.answers), 1) };
    };
    // The bare line server stays up for the steady part's control, below.
    const bareHttp = await forkServer('bareServer.ts');
    if (pinned) pinProcess(bareHttp.child.pid, pinned.server);
    const stopBare = (): Promise<unknown> => Promise.all([bare.child.stop(), bareHttp.child.stop()]);
    let againstBare;
    try {
      await hammerAgent(agentPort, plan.agentConcurrency, 1000);
      await hammerAgent(bare.port, plan.agentConcurrency, 1000);
      againstBare = await alternate(plan.rounds, () => flood(agentPort, webPid), () => flood(bare.port, bare.child.pid));
    } catch (error) {
      await stopBare();
      throw error;
    }
    const vsBare = againstBare.map(({ a, b }) => ({ agentPerS: a.load.answersPerS, barePerS: b.load.answersPerS, ratio: round(a.load.answersPerS / b.load.answersPerS, 3), agentCpuUsPerAnswer: a.cpuUsPerAnswer, bareCpuUsPerAnswer: b.cpuUsPerAnswer }));
    for (const r of vsBare) log(`  agent alone vs a bare node:net server: ${r.agentPerS} vs ${r.barePerS} answers/s (${r.ratio}); CPU per answer ${r.agentCpuUsPerAnswer} vs ${r.bareCpuUsPerAnswer} µs`);
    const middle = [...againstBare].sort((x, y) => x.a.load.answersPerS - y.a.load.answersPerS)[againstBare.length >> 1]!;
    const alone = middle.a.load;
    const responderCpuUsPerAnswer = round(median(vsBare.map((r) => r.agentCpuUsPerAnswer)), 1);
    const bareCpuUsPerAnswer = round(median(vsBare.map((r) => r.bareCpuUsPerAnswer)), 1);
    const bareRatio = round(median(vsBare.map((r) => r.ratio)), 3);
    const idleCpuPercent = { responder: round(idle.get(webPid)! * 100, 1), bare: round(idle.get(bare.child.pid)! * 100, 1) };
    await runWrk({ url: responderUrl, connections: plan.wrkConnections, durationS: 2, headers, ...onLoadCpus });
    const pairs = await alternate<{ wrk: WrkResult; agent: AgentLoadResult | undefined }>(
      plan.rounds,
      async () => ({ wrk: await runWrk({ url: responderUrl, connections: plan.wrkConnections, durationS: plan.runS, headers, serverPid: webPid, ...onLoadCpus }), agent: undefined }),
      async () => {
        const wrk = runWrk({ url: responderUrl, connections: plan.wrkConnections, durationS: plan.runS, headers, serverPid: webPid, ...onLoadCpus });
        const agent = await hammerAgent(agentPort, plan.agentConcurrency, plan.runS * 1000);
        return { wrk: await wrk, agent };
      },
    );
    const rounds = pairs.map(({ a, b }) => ({
      responderAloneRps: round(a.wrk.requestsPerS),
      responderWithAgentRps: round(b.wrk.requestsPerS),
      ratio: round(b.wrk.requestsPerS / a.wrk.requestsPerS, 3),
      agent: b.agent!,
      ...(b.wrk.serverCpuPercent === undefined ? {} : { responderCpuWithAgent: b.wrk.serverCpuPercent }),
    }));
    for (const r of rounds) log(`  round: responder ${r.responderAloneRps} → ${r.responderWithAgentRps} req/s (${r.ratio}) with the agent at ${r.agent.answersPerS} answers/s, p99 ${r.agent.p99Ms} ms`);
    const steadyPairs = await alternate<{ wrk: WrkResult; agent: AgentLoadResult | undefined }>(
      plan.rounds,
      async () => ({ wrk: await runWrk({ url: responderUrl, connections: plan.wrkConnections, durationS: plan.runS, headers, ...onLoadCpus }), agent: undefined }),
      async () => {
        const wrk = runWrk({ url: responderUrl, connections: plan.wrkConnections, durationS: plan.runS, headers, ...onLoadCpus });
        const agent = await hammerAgent(agentPort, plan.agentConcurrency, plan.runS * 1000, plan.steadyRatePerS);
        return { wrk: await wrk, agent };
      },
    );
    const steadyRounds = steadyPairs.map(({ a, b }) => ({
      responderAloneRps: round(a.wrk.requestsPerS),
      responderWithAgentRps: round(b.wrk.requestsPerS),
      ratio: round(b.wrk.requestsPerS / a.wrk.requestsPerS, 3),
      agent: b.agent!,
    }));
    for (const r of steadyRounds) log(`  steady round: responder ${r.responderAloneRps} → ${r.responderWithAgentRps} req/s (${r.ratio}) with the agent at ${r.agent.answersPerS} answers/s, p99 ${r.agent.p99Ms} ms`);
    // The same load on bare node:http beside the bare line server: the connections asked at 100/s
    // cost a flooded server here whoever answers them. By hand, a bare node:http server flooded
    // from CPU 1 did 0.63-0.67 of its requests/s while another process on CPU 1 was asked 100
    // times a second by a third (BENCHMARKS.md, "Session 12"). The agent's own cost is the
    // responder's ratio over this one.
    let controlPairs;
    try {
      controlPairs = await alternate(
        plan.rounds,
        () => runWrk({ url: bareHttp.url, connections: plan.wrkConnections, durationS: plan.runS, headers, ...onLoadCpus }),
        async () => {
          const wrk = runWrk({ url: bareHttp.url, connections: plan.wrkConnections, durationS: plan.runS, headers, ...onLoadCpus });
          await hammerAgent(bare.port, plan.agentConcurrency, plan.runS * 1000, plan.steadyRatePerS);
          return wrk;
        },
      );
    } finally {
      await stopBare();
    }
    const controlRatios = controlPairs.map(({ a, b }) => round(b.requestsPerS / a.requestsPerS, 3));
    log(`  the same for bare node:http, a bare line server asked: ${controlPairs.map(({ a, b }, i) => `${round(a.requestsPerS)} → ${round(b.requestsPerS)} (${controlRatios[i]})`).join(', ')} req/s`);
    const medianRatio = round(median(steadyRounds.map((r) => r.ratio)), 3);
    const controlRatio = round(median(controlRatios), 3);
    const steady = { rounds: steadyRounds, medianRatio, controlRatios, controlRatio, agentCost: round(medianRatio / controlRatio, 3), medianAgentP99Ms: round(median(steadyRounds.map((r) => r.agent.p99Ms)), 2) };
    const responderNon2xx = [...pairs, ...steadyPairs].reduce((sum, { a, b }) => sum + a.wrk.statusErrors + b.wrk.statusErrors, 0);

    haproxy = await startHaproxy({ dir: dc.deadpool.dir, backendPort: dc.backend.port, agentPort, agentInterMs: plan.agentInterMs });
    if ((await seen(haproxy, isAgentUp, 20_000)) === undefined) throw new Error(`HAProxy never showed the server UP from the agent: ${JSON.stringify(await haproxy.stat())}`);
    const downMs: number[] = [];
    const upMs: number[] = [];
    const responderDownMs: number[] = [];
    let missed = 0;
    const poller = dc.poll(2);
    try {
      for (let i = 0; i < plan.flips; i++) {
        await sleep(randomBetween(300, 1300));
        const failedAt = await dc.setHealthy(false);
        const responder = poller.next((a) => a.status === 503 && a.sentAt >= failedAt, 15_000).then((a) => a.at - failedAt, () => undefined);
        const down = await seen(haproxy, isDown, 15_000);
        const answered = await responder;
        if (down === undefined) missed++;
        else downMs.push(round(down - failedAt, 1));
        if (answered !== undefined) responderDownMs.push(round(answered, 1));
        await sleep(randomBetween(300, 1300));
        const healedAt = await dc.setHealthy(true);
        const up = await seen(haproxy, isAgentUp, 15_000);
        if (up === undefined) missed++;
        else upMs.push(round(up - healedAt, 1));
      }
    } finally {
      await poller.stop();
    }
    log(`  HAProxy DOWN after a backend failure: ${downMs.join(', ')} ms (responder 503 after ${responderDownMs.join(', ')} ms); UP after recovery: ${upMs.join(', ')} ms`);
    return {
      plan,
      alone,
      rounds,
      medianRatio: round(median(rounds.map((r) => r.ratio)), 3),
      medianAgentAnswersPerS: round(median(rounds.map((r) => r.agent.answersPerS))),
      medianAgentP99Ms: round(median(rounds.map((r) => r.agent.p99Ms)), 2),
      worstAgentP99Ms: round(Math.max(...rounds.map((r) => r.agent.p99Ms)), 2),
      agentErrors: againstBare.reduce((sum, { a }) => sum + a.load.errors, 0) + [...rounds, ...steadyRounds].reduce((sum, r) => sum + r.agent.errors, 0),
      vsBare,
      bareRatio,
      responderCpuUsPerAnswer,
      bareCpuUsPerAnswer,
      idleCpuPercent,
      steady,
      responderNon2xx,
      failure: {
        downMs,
        upMs,
        responderDownMs,
        p50Ms: round(quantile(downMs, 0.5), 1),
        p95Ms: round(quantile(downMs, 0.95), 1),
        maxMs: round(Math.max(...downMs), 1),
        upP50Ms: round(quantile(upMs, 0.5), 1),
        missed,
      },
    };
  } finally {
    if (pinned) for (const pid of [dc.deadpool.web!.pid, process.pid]) unpinProcess(pid);
    await haproxy?.stop();
    await dc.stop();
  }
}
