import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool, unprivileged } from '../helpers/deadpoolProcess.ts';
import { startServer } from '../helpers/httpServers.ts';
import { alive } from '../helpers/processes.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

test('a hanging action, a hanging webhook and a hanging command notifier delay neither the checks nor the heartbeat; stopping the watcher kills the action', async (t) => {
  const backend = await startToggleBackend();
  let posts = 0;
  // Never answers.
  const hanging = await startServer(() => void posts++);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-hang-'));
  t.teardown(async () => {
    await backend.close();
    await hanging.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  });
  await chmod(dir, 0o777);
  const pidFile = path.join(dir, 'action.pid');
  await writeFile(
    path.join(dir, 'config.yaml'),
    `WatchMan: { probe_status_folder: flags }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
actions:
  stuck:
    on_down: 'echo $$ > ${pidFile}; exec sleep 600'
    timeout: 600
notifiers:
  hook: { webhook: { url: '${hanging.origin}/', timeout: 300 } }
  pager: { command: [/bin/sleep, '600'], timeout: 300 }
`,
  );
  const watcher = startDeadpool(['watcher', '-c', path.join(dir, 'config.yaml')], { user: unprivileged() });
  t.teardown(() => {
    watcher.child.kill('SIGKILL');
  });
  const flag = path.join(dir, 'flags', 'elastic.dead');
  const state = path.join(dir, 'flags', '.deadpool-state.json');
  await waitFor(() => /watching 1 enabled probe/.test(watcher.stdout), STARTUP_MS, () => `the watcher to start: ${watcher.stdout}${watcher.stderr}`);
  await waitFor(() => /action stuck: the base URL's verdict is up, no on_up to run/.test(watcher.stdout), 20_000, 'the first verdict');

  backend.setHealthy(false);
  await waitFor(() => existsSync(pidFile) && posts >= 1, 20_000, 'the action and the webhook to hang');
  const actionPid = Number((await readFile(pidFile, 'utf8')).trim());
  t.true(alive(actionPid));

  // Checks and heartbeats go on: the flag follows the backend, and the state file is rewritten every 0.5 s.
  backend.setHealthy(true);
  await waitFor(() => !existsSync(flag), 10_000, 'the flag to go');
  backend.setHealthy(false);
  await waitFor(() => existsSync(flag), 10_000, 'the flag to come back');
  const writes = new Set<number>();
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    const text = await readFile(state, 'utf8').catch(() => undefined);
    if (text) writes.add((JSON.parse(text) as { written_at: number }).written_at);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const times = [...writes].sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  t.true(times.length >= 4, `${times.length} writes in 3 s`);
  t.true(Math.max(...gaps) < 1500, `largest gap between heartbeats ${Math.max(...gaps)} ms`);
  t.true(alive(actionPid), 'the action still runs: never two at once, and its timeout is far');

  watcher.child.kill('SIGTERM');
  const code = await watcher.exited(STARTUP_MS).catch((error: unknown) => `${String(error)}; the watcher said: ${watcher.stdout}${watcher.stderr}`);
  t.is(code, 0);
  t.false(watcher.stderr.includes('after stopping, kept alive by'), watcher.stderr);
  await waitFor(() => !alive(actionPid), 5000, 'the action to be killed with the watcher');
});
