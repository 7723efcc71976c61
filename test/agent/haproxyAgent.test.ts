import test, { type ExecutionContext } from 'ava';
import { chown, readFile, writeFile } from 'node:fs/promises';
import { startPair } from '../helpers/deadpoolPair.ts';
import { runDeadpool } from '../helpers/deadpoolProcess.ts';
import { startHaproxy, type Haproxy, type ServerStat } from '../helpers/haproxy.ts';
import { freePort } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { waitFor } from '../helpers/waitFor.ts';

/** A change of state reaches HAProxy within the watcher's period, the responder's polls and one agent-inter: seconds even on a loaded machine. */
const CHANGE_MS = 20_000;

/** UP because the agent said so (before its first answer, HAProxy shows UP from its own TCP check alone). */
const agentUp = (s: ServerStat): boolean => s['status'] === 'UP' && s['last_agt'] === 'via agent : up';

async function until(haproxy: Haproxy, what: string, ok: (stat: ServerStat) => boolean): Promise<ServerStat> {
  let last: ServerStat | undefined;
  let state = '';
  return waitFor(
    async () => {
      last = await haproxy.stat();
      if (ok(last)) return last;
      state = await haproxy.serversState();
      return undefined;
    },
    CHANGE_MS,
    () => `HAProxy to report ${what}; last: status ${last?.['status']}, weight ${last?.['weight']}, agent ${last?.['agent_status']} "${last?.['last_agt']}"; servers state: ${state}`,
  );
}

/** A watcher and responder with the agent on (period 0.2 s, a url_probe of a backend the test flips), a real HAProxy asking it every 200 ms. */
async function setup(t: ExecutionContext) {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const agentPort = await freePort();
  const pair = await startPair(t, {
    probes: `  elastic:\n    module: url_probe\n    period: 0.2\n    query: { url: '${backend.url}', timeout: 1 }\n`,
    sections: `Agent: { host: 127.0.0.1, port: ${agentPort}, weight: 100 }\n`,
  });
  const haproxy = await startHaproxy({ dir: pair.dir, backendPort: Number(new URL(backend.url).port), agentPort, agentInterMs: 200 });
  t.teardown(() => haproxy.stop());
  const deadpool = async (...args: string[]) => {
    const result = await runDeadpool([...args, '-c', pair.config], pair.user ? { user: pair.user } : {});
    t.is(result.code, 0, `deadpool ${args.join(' ')}: ${result.stderr}`);
  };
  await waitFor(async () => (await pair.ask('/')).status === 200, CHANGE_MS, 'the responder to answer 200');
  await until(haproxy, 'UP at weight 100', (s) => agentUp(s) && s['weight'] === '100');
  return { backend, pair, haproxy, deadpool };
}

test('a real HAProxy marks the server DOWN and UP as a url_probe fails and recovers, and DOWN while the watcher is stopped', async (t) => {
  const { backend, pair, haproxy } = await setup(t);
  backend.setHealthy(false);
  // Both in one sample: `show stat` can catch the agent's text empty while a check is under way
  // (a fresh-clone run saw DOWN with last_agt ""), and until() reports the last sample if it never comes.
  const down = await until(haproxy, 'DOWN, the agent naming the failing probe', (s) => s['status']!.startsWith('DOWN') && /down \(elastic: /.test(s['last_agt'] ?? ''));
  t.regex(down['last_agt']!, /down \(elastic: /, 'the agent names the failing probe');
  backend.setHealthy(true);
  await until(haproxy, 'UP again', agentUp);

  // A stopped watcher publishes nothing: the agent must not keep saying up.
  pair.watcher!.child.kill('SIGSTOP');
  const stale = await until(haproxy, 'DOWN for the silent watcher', (s) => s['status']!.startsWith('DOWN') && /no result from the watcher/.test(s['last_agt'] ?? ''));
  t.regex(stale['last_agt']!, /no result from the watcher/);
  pair.watcher!.child.kill('SIGCONT');
  await until(haproxy, 'UP once the watcher is back', agentUp);
});

test('a real HAProxy shows DRAIN and MAINT as deadpool drain and deadpool maint take the DC out, while Cloudflare gets 503 with the reason', async (t) => {
  const { pair, haproxy, deadpool } = await setup(t);
  await deadpool('drain', '--reason', 'moving racks');
  await until(haproxy, 'DRAIN', (s) => s['status']!.startsWith('DRAIN'));
  await deadpool('maint', '--reason', 'new switches', '--for', '1h');
  await until(haproxy, 'MAINT', (s) => s['status']!.startsWith('MAINT'));
  // The same verdict answers Cloudflare: 503 with the reason, everywhere.
  const answer = await pair.ask('/');
  t.is(answer.status, 503);
  t.regex(answer.body, /in maintenance by \S+ until \S+ \(60 min left\): new switches\n/);
  t.is((await pair.ask('/__gtg')).status, 503);
  const health = JSON.parse((await pair.ask('/__health')).body) as { ok: boolean; checks: { id: string; ok: boolean; checkOutput: string }[] };
  t.false(health.ok);
  t.like(health.checks.find((check) => check.id === 'maint'), { ok: false });
  await deadpool('unmaint');
  await until(haproxy, 'DRAIN once maintenance ends (still drained)', (s) => s['status']!.startsWith('DRAIN'));
  await deadpool('undrain');
  await until(haproxy, 'UP once undrained', (s) => agentUp(s) && s['weight'] === '100');
  t.is((await pair.ask('/')).status, 200);
});

test('a real HAProxy takes the weight from Agent.weight, and follows a live reload of it', async (t) => {
  const { pair, haproxy } = await setup(t);
  const text = await readFile(pair.config, 'utf8');
  await writeFile(pair.config, text.replace('weight: 100', 'weight: "40%"'));
  if (pair.user) await chown(pair.config, pair.user.uid, pair.user.gid);
  const reweighted = await until(haproxy, 'weight 40', (s) => agentUp(s) && s['weight'] === '40');
  t.is(reweighted['status'], 'UP');
  t.is((await pair.ask('/')).status, 200, 'the weight is the agent\'s alone: the answer does not change');
});

test('weight: cpu: HAProxy gets the idle CPU of the machine as the weight, and it falls when every core is busy', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const agentPort = await freePort();
  const pair = await startPair(t, {
    probes: `  elastic:\n    module: url_probe\n    period: 0.5\n    query: { url: '${backend.url}', timeout: 1 }\n`,
    sections: `Agent: { host: 127.0.0.1, port: ${agentPort}, weight: cpu, cpu_timeframe_ms: 500 }\n`,
  });
  const haproxy = await startHaproxy({ dir: pair.dir, backendPort: Number(new URL(backend.url).port), agentPort, agentInterMs: 200 });
  t.teardown(() => haproxy.stop());
  await waitFor(async () => (await pair.ask('/')).status === 200, CHANGE_MS, 'the responder to answer 200');
  await until(haproxy, 'UP', agentUp);
  // Every core spinning leaves (close to) no idle time: the weight must drop far below 100.
  const spinners = os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  t.teardown(() => spinners.forEach((child) => child.kill('SIGKILL')));
  const busy = await until(haproxy, 'a weight of at most 30 while every core spins', (s) => agentUp(s) && Number(s['weight']) <= 30);
  t.true(Number(busy['weight']) >= 0);
  const once = await runDeadpool(['agent', '--once', '-c', pair.config], pair.user ? { user: pair.user } : {});
  t.is(once.code, 0, once.stderr);
  const measured = /^up ready (\d+)%\n$/.exec(once.stdout);
  t.truthy(measured, once.stdout);
  t.true(Number(measured![1]) <= 30, `deadpool agent --once measured ${measured![1]} % idle while every core spins`);
});
