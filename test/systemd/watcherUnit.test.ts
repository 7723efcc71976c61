import test from 'ava';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool, unprivileged } from '../helpers/deadpoolProcess.ts';
import { startNotifyReceiver } from '../helpers/notifyReceiver.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

test('deadpool watcher as a unit of its own: READY=1 after the first result, STATUS= with the failing probes, WATCHDOG=1 from its heartbeat, STOPPING=1', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-systemd-'));
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }));
  const user = unprivileged();
  if (user) await chown(dir, user.uid, user.gid);
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    `WatchMan: { probe_status_folder: flags, stale_grace: 1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
`,
  );
  const watcher = startDeadpool(['watcher', '-c', config], { ...(user ? { user } : {}), env: { NOTIFY_SOCKET: receiver.socket, WATCHDOG_USEC: '1000000' } });
  t.teardown(() => {
    watcher.child.kill('SIGKILL');
  });
  const ready = await waitFor(() => receiver.received.find((n) => n.fields['READY'] === '1'), STARTUP_MS, () => `READY=1; ${watcher.stdout}${watcher.stderr}`);
  t.deepEqual(ready.fields, { READY: '1', STATUS: '1 probe(s), all up' });
  backend.setHealthy(false);
  await waitFor(() => receiver.received.some((n) => n.fields['STATUS'] === '1 probe(s), failing: elastic'), 30_000, 'STATUS= naming the failing probe');
  await waitFor(() => receiver.received.filter((n) => n.fields['WATCHDOG'] === '1' && n.at > ready.at).length >= 2, 30_000, 'pings after READY=1');
  watcher.child.kill('SIGTERM');
  t.is(await watcher.exited(30_000), 0);
  await waitFor(() => receiver.received.some((n) => n.fields['STOPPING'] === '1'), 15_000, 'STOPPING=1');
});
