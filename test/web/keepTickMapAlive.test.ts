import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startDeadpool } from '../helpers/deadpoolProcess.ts';
import { ask, freePort } from '../helpers/responderClient.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

/*
 * Read from V8's map log (`--log-maps`): each time a tick object's hidden class is made anew, the
 * log has one more transition on the `async_id_symbol` key from the same map. Other objects with
 * that key (timers, sockets) are built by constructors, whose maps V8 keeps: they make one each.
 * The most times any one map made that transition: 1 when nothing was collected and rebuilt.
 */
function mostTickMapRebuilds(log: string): number {
  const perFromMap = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('map,Transition,') || !line.includes('"async_id_symbol"')) continue;
    const from = line.split(',')[3]!;
    perFromMap.set(from, (perFromMap.get(from) ?? 0) + 1);
  }
  return Math.max(0, ...perFromMap.values());
}

const MAP_LOG = ['--log-maps', '--no-logfile-per-isolate'];

/** A child node: 4 times a tick object, then two major collections from a timer (no tick object alive), with or without the hold. */
function collectTickMaps(hold: boolean, logfile: string): { status: number | null; stderr: string; log: Promise<string> } {
  const script = `
import { keepTickMapAlive } from ${JSON.stringify(pathToFileURL('src/web/keepTickMapAlive.ts').href)};
if (${hold}) await keepTickMapAlive();
for (let i = 0; i < 4; i++) {
  await new Promise((resolve) => process.nextTick(resolve));
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  gc();
}`;
  const child = spawnSync(process.execPath, ['--expose-gc', ...MAP_LOG, `--logfile=${logfile}`, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stderr: child.stderr, log: readFile(logfile, 'utf8') };
}

test('without the hold the tick objects\' map is rebuilt after idle major collections; with it, never', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-tickmap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const without = collectTickMaps(false, path.join(dir, 'without.log'));
  t.is(without.status, 0, without.stderr);
  // If this ever fails, Node or V8 no longer loses that map: keepTickMapAlive can go (docs/architecture.md, session 12).
  t.true(mostTickMapRebuilds(await without.log) >= 2, 'the map was never rebuilt without the hold');
  const held = collectTickMaps(true, path.join(dir, 'held.log'));
  t.is(held.status, 0, held.stderr);
  t.is(mostTickMapRebuilds(await held.log), 1);
});

test('deadpool web holds it: answers between idle major collections never rebuild the tick objects\' map', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-tickmap-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const port = await freePort();
  const config = path.join(dir, 'config.yaml');
  const token = 'tick-map-test-token';
  await writeFile(config, `Generic: { log: { level: warning } }\nWEB: { host: 127.0.0.1, port: ${port}, access_token: ${token}, name: DC-1 }\nWatchMan: { probe_status_folder: flags }\nprobes:\n  db: { module: tcp_probe, query: { host: 127.0.0.1, port: 9 } }\n`);
  // Two major collections from a timer each time the test asks (SIGUSR2), then a line on stderr.
  const collector = path.join(dir, 'collect.mjs');
  await writeFile(collector, `let n = 0;\nprocess.on('SIGUSR2', () => setTimeout(() => { gc(); gc(); process.stderr.write(\`collected \${++n}\\n\`); }, 20));\n`);
  const logfile = path.join(dir, 'maps.log');
  const web = startDeadpool(['web', '-c', config], { cwd: dir, nodeArgs: ['--expose-gc', ...MAP_LOG, `--logfile=${logfile}`, '--import', pathToFileURL(collector).href] });
  t.teardown(() => {
    web.child.kill('SIGKILL');
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await ask(origin, token)).status !== 0, STARTUP_MS, () => `deadpool web to answer: ${web.stderr.slice(-2000)}`);
  for (let cycle = 1; cycle <= 4; cycle++) {
    // No watcher: 503 "not started" is an answer like any other, built with the same tick objects.
    for (let i = 0; i < 5; i++) t.is((await ask(origin, token)).status, 503);
    web.child.kill('SIGUSR2');
    await waitFor(() => web.stderr.includes(`collected ${cycle}\n`), 10_000, () => `collection ${cycle}: ${web.stderr.slice(-2000)}`);
  }
  web.child.kill('SIGTERM');
  t.is(await web.exited(10_000), 0, web.stderr);
  t.is(mostTickMapRebuilds(await readFile(logfile, 'utf8')), 1);
});
