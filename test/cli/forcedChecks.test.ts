import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseWatcherState, STATE_FILE } from '../../src/flag-store/watcherState.ts';
import { FORCE_INTERVAL_MS } from '../../src/watcher/ProbeLoop.ts';
import { forceChecks } from '../../src/watcher-link/forceChecks.ts';
import { FORCE_SOCKET } from '../../src/watcher-link/forceProtocol.ts';
import { startPair } from '../helpers/deadpoolPair.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

// Checked once a day (their next scheduled checks are hours away): every check after the first is a forced one.
const probe = (name: string, url: string) => `  ${name}:\n    module: url_probe\n    period: 86400\n    query: { url: '${url}', timeout: 2 }\n`;

async function dcWith(t: Parameters<typeof startPair>[0], names: string[]) {
  const backends = await Promise.all(names.map(() => startToggleBackend()));
  t.teardown(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
  const pair = await startPair(t, { probes: names.map((name, i) => probe(name, backends[i]!.url)).join('') });
  // The first (scheduled) check of every probe is in the state file, and the watcher listens.
  await waitFor(async () => {
    const state = parseWatcherState(await readFile(path.join(pair.folder, STATE_FILE), 'utf8').catch(() => ''));
    return names.every((name) => state?.checks.get(name)?.ok) && existsSync(path.join(pair.folder, FORCE_SOCKET));
  }, STARTUP_MS, 'a first result for every probe and the watcher\'s socket');
  return { pair, backends };
}

test('a forced check sees a backend that flipped a moment ago: the flag is written before the answer, and after a second the recovery is seen too', async (t) => {
  const { pair, backends } = await dcWith(t, ['es']);
  const backend = backends[0]!;
  backend.setHealthy(false);
  const failed = (await forceChecks(pair.folder, ['es'], 10_000)).get('es');
  t.like(failed, { ok: false, reason: 'status 500 not in [2xx]', state: 'down', down_reason: 'status 500 not in [2xx]' });
  t.regex(await readFile(path.join(pair.folder, 'es.dead'), 'utf8'), /^status 500 not in \[2xx\]\n/);
  backend.setHealthy(true);
  const started = Date.now();
  const recovered = await waitFor(async () => {
    const check = (await forceChecks(pair.folder, ['es'], 10_000)).get('es');
    return check?.ok ? check : undefined;
  }, 5000, 'a forced check that passes');
  t.true(Date.now() - started < FORCE_INTERVAL_MS + 2000, 'within a second and a check');
  t.is(recovered.state, 'up');
});

test('a flood of 1,000 concurrent forced requests runs each probe at most once a second, and every request gets the result', async (t) => {
  const names = ['es', 'db'];
  const { pair, backends } = await dcWith(t, names);
  const before = backends.map((b) => b.requests);
  const started = Date.now();
  // 1,000 requests, each on its own connection, launched over about 2.5 s and all in flight together.
  const requests: Promise<Map<string, unknown>>[] = [];
  for (let i = 0; i < 1000; i++) {
    requests.push(forceChecks(pair.folder, names, 10_000));
    if (i % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const answers = await Promise.all(requests);
  const seconds = (Date.now() - started) / 1000;
  const runs = backends.map((b, i) => b.requests - before[i]!);
  t.log(`${answers.length} forced requests over ${seconds.toFixed(1)} s: ${runs.join(' and ')} checks of ${names.join(' and ')}`);
  for (const count of runs) t.true(count >= 1 && count <= Math.floor(seconds) + 1, `${count} checks in ${seconds} s`);
  const complete = answers.filter((answer) => names.every((name) => answer.has(name))).length;
  t.is(complete, answers.length, `${complete} of ${answers.length} requests answered for both probes`);
});
