import test from 'ava';
import { spawn } from 'node:child_process';
import { unprivileged } from '../helpers/deadpoolProcess.ts';
import { startNotifyReceiver } from '../helpers/notifyReceiver.ts';
import { reachableRoot, repoPathFor } from '../helpers/reachableRepo.ts';
import { ask, freePort } from '../helpers/responderClient.ts';
import { activate, fieldsAt, firstAnswer, startActivatedRun, statuses, tempConfig, TOKEN } from '../helpers/socketActivate.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

test('deadpool run under socket activation: serves on the socket systemd passed (a restarted responder too); READY=1 after the first result; STATUS= follows the answer; STOPPING=1 on SIGTERM', async (t) => {
  const { receiver, run, origin, configuredPort, first, ready, backend } = await startActivatedRun(t, 2_000_000);
  t.true([200, 503].includes(first), `the first answer, over the inherited socket: ${first}`);
  t.is((await ask(`http://127.0.0.1:${configuredPort}`, TOKEN)).status, 0, 'WEB.port is not bound');
  t.regex(run.output, /answering on http:\/\/127\.0\.0\.1:\d+\/ \(the socket passed by systemd, fd 3\)/);

  // A healthy backend: READY=1 came once the probe had a result (pending reads "503: elastic").
  t.deepEqual(ready.fields, { READY: '1', STATUS: '200 OK' });
  t.is(fieldsAt(receiver.received, 'READY').length, 1);
  t.true(run.output.indexOf('answering on') < run.output.indexOf('telling systemd: ready'), 'READY=1 after the responder listens');

  backend.setHealthy(false);
  await waitFor(() => statuses(receiver.received).at(-1) === '503: elastic', 30_000, () => `STATUS=503: elastic; got ${JSON.stringify(statuses(receiver.received))}`);
  backend.setHealthy(true);
  await waitFor(() => statuses(receiver.received).at(-1) === '200 OK', 30_000, 'STATUS=200 OK again');

  // The supervisor keeps the socket: a responder it restarts listens on it again.
  const webPid = Number(/started web \(pid (\d+)\)/.exec(run.output)![1]);
  process.kill(webPid, 'SIGKILL');
  await waitFor(() => /started web \(pid (\d+)\)[^]*started web \(pid (\d+)\)/.test(run.output), 15_000, 'the responder restarted');
  await waitFor(async () => (await ask(origin, TOKEN)).status === 200, STARTUP_MS, 'a 200 from the restarted responder');
  // Waited for, not read at once: the responder can answer before its "answering on" line is out
  // (a fresh-clone run saw the 200 first).
  const restarted = () => run.output.slice(run.output.lastIndexOf('started web'));
  await waitFor(() => /answering on http:\/\/127\.0\.0\.1:\d+\/ \(the socket passed by systemd, fd 3\)/.test(restarted()), STARTUP_MS, () => `the restarted responder to say it answers on the socket systemd passed; it said: ${restarted()}`);

  const before = receiver.received.length;
  run.child.kill('SIGTERM');
  const code = await new Promise((resolve) => run.child.once('exit', (c, s) => resolve(c ?? s)));
  t.is(code, 0);
  await waitFor(() => fieldsAt(receiver.received.slice(before), 'STOPPING').length === 1, 15_000, 'STOPPING=1');
});

test('deadpool web alone under socket activation: its own READY=1 waits for the watcher\'s first results', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const receiver = await startNotifyReceiver();
  t.teardown(() => receiver.close());
  const [port, configuredPort] = [await freePort(), await freePort()];
  const config = await tempConfig(
    t,
    () => `WEB: { host: 127.0.0.1, port: ${configuredPort}, access_token: ${TOKEN} }
WatchMan: { probe_status_folder: flags, stale_grace: 1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
`,
  );
  const web = activate(t, port, [`NOTIFY_SOCKET=${receiver.socket}`], ['web', '-c', config]);
  await waitFor(() => web.output.includes('Listening on'), STARTUP_MS, 'systemd-socket-activate to listen');
  const origin = `http://127.0.0.1:${port}`;
  t.is(await firstAnswer(origin), 503, 'no watcher yet');
  await waitFor(() => statuses(receiver.received).length > 0, STARTUP_MS, 'a STATUS=');
  t.deepEqual(fieldsAt(receiver.received, 'READY'), [], 'not ready without the watcher');
  t.regex(statuses(receiver.received).at(-1)!, /^503: cannot read the flag folder/);

  const user = unprivileged();
  const watcher = spawn(process.execPath, [repoPathFor(user, 'bin/deadpool.js'), 'watcher', '-c', config], { cwd: reachableRoot(user), stdio: 'ignore', ...(user ?? {}) });
  t.teardown(() => {
    watcher.kill('SIGKILL');
  });
  const ready = await waitFor(() => fieldsAt(receiver.received, 'READY')[0], STARTUP_MS, 'READY=1');
  t.deepEqual(ready.fields, { READY: '1', STATUS: '200 OK' });
  t.is((await ask(origin, TOKEN)).status, 200);
  web.child.kill('SIGTERM');
  await waitFor(() => fieldsAt(receiver.received, 'STOPPING').length === 1, 30_000, 'STOPPING=1');
});
