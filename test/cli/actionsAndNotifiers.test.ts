import test from 'ava';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NotifierEvent } from '../../src/notifiers/NotifierEvent.ts';
import { startDeadpool, unprivileged } from '../helpers/deadpoolProcess.ts';
import { startServer } from '../helpers/httpServers.ts';
import { ask, freePort } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

test('deadpool run: a backend flipping runs on_down then on_up, with the verdict the responder gives, and notifies a webhook and a notifiers_folder script', async (t) => {
  const backend = await startToggleBackend();
  const events: NotifierEvent[] = [];
  const receiver = await startServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      events.push(JSON.parse(body) as NotifierEvent);
      res.writeHead(204).end();
    });
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-actions-'));
  t.teardown(async () => {
    await backend.close();
    await receiver.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });
  // DeadPool runs as nobody under root: it must be able to write here.
  await chmod(dir, 0o777);
  const folder = path.join(dir, 'notifiers');
  await mkdir(folder, { mode: 0o777 });
  await chmod(folder, 0o777);
  const actionsOut = path.join(dir, 'actions.out');
  const scriptOut = path.join(dir, 'script.out');
  await writeFile(path.join(folder, 'record.sh'), `#!/bin/sh\ncat >> ${scriptOut}\n`, { mode: 0o755 });
  const port = await freePort();
  const config = (onUp: string): string =>
    `WEB: { host: 127.0.0.1, port: ${port}, access_token: e2e-token, name: DC-1 }
WatchMan:
  notifiers_folder: notifiers
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
actions:
  nginx:
    on_up: '${onUp} >> ${actionsOut}'
    on_down: ['/bin/sh', '-c', 'echo "down $DEADPOOL_FAILING $DEADPOOL_REASON" >> ${actionsOut}']
    timeout: 10
notifiers:
  ops:
    webhook: { url: '${receiver.origin}/hook', headers: { X-Token: not-in-logs-42 } }
`;
  await writeFile(path.join(dir, 'config.yaml'), config('echo "up $DEADPOOL_POOL."'));
  const run = startDeadpool(['run', '-c', path.join(dir, 'config.yaml')], { user: unprivileged() });
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  const origin = `http://127.0.0.1:${port}`;
  const lines = async (): Promise<string[]> => (await readFile(actionsOut, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  await waitFor(async () => (await ask(origin, 'e2e-token')).status === 200, STARTUP_MS, 'the first 200');
  await waitFor(async () => (await lines()).length === 1, STARTUP_MS, () => `on_up at start-up (output: ${run.stdout.slice(-2000)})`);
  t.deepEqual(await lines(), ['up .']);

  backend.setHealthy(false);
  await waitFor(async () => (await lines()).length === 2, 20_000, 'on_down');
  t.deepEqual((await lines())[1], 'down elastic The elastic is DEAD! status 500 not in [200]');
  // The responder sees the flag through its own view of the folder, a moment after the watcher acted.
  await waitFor(async () => (await ask(origin, 'e2e-token')).status === 503, 10_000, 'the responder to say the same');

  backend.setHealthy(true);
  await waitFor(async () => (await lines()).length === 3, 20_000, 'on_up again');
  t.is((await lines())[2], 'up .');

  const seen = (list: NotifierEvent[]): string[] => list.map((e) => `${e.event} ${e.probe ?? e.pool ?? 'base'} ${e.from}->${e.to}`);
  const expected = ['probe elastic up->down', 'verdict base up->down', 'probe elastic down->up', 'verdict base down->up'];
  await waitFor(() => events.length >= 4, 20_000, 'four webhook events');
  t.deepEqual(seen(events), expected);
  t.like(events[1], { dc: 'DC-1', pool: null, module: null, reason: 'The elastic is DEAD! status 500 not in [200]' });
  t.like(events[0], { module: 'url_probe', probe: 'elastic' });
  const fromScript = async (): Promise<NotifierEvent[]> => (await readFile(scriptOut, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as NotifierEvent);
  await waitFor(async () => (await fromScript()).length >= 4, 20_000, 'four events on the script\'s stdin');
  t.deepEqual(seen(await fromScript()), expected);

  t.regex(run.stdout, /action nginx: on_down exit 0 in \d+ ms/);

  // A reload applies a changed action at its next change.
  await writeFile(path.join(dir, 'config.yaml'), config('echo reloaded'));
  // Both processes reload; the watcher's is the one that counts here.
  await waitFor(() => run.stdout.match(/config reloaded/g)?.length === 2, 20_000, 'the reloads');
  backend.setHealthy(false);
  await waitFor(async () => (await lines()).length === 4, 20_000, 'on_down after the reload');
  backend.setHealthy(true);
  await waitFor(async () => (await lines()).length === 5, 20_000, 'the new on_up');
  t.is((await lines())[4], 'reloaded');
  t.false(run.stdout.includes('not-in-logs-42'));
  t.false(run.stderr.includes('not-in-logs-42'));
  run.child.kill('SIGTERM');
  t.is(await run.exited(15_000), 0);
});
