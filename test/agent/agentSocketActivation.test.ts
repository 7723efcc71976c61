import test from 'ava';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { unprivileged } from '../helpers/deadpoolProcess.ts';
import { reachableRoot, repoPathFor } from '../helpers/reachableRepo.ts';
import { freePort } from '../helpers/responderClient.ts';
import { tempConfig, TOKEN } from '../helpers/socketActivate.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

/** What one connection to the agent reads; '' when it cannot connect or is cut. */
function readLine(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (data: Buffer) => (text += data.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', () => resolve(''));
    socket.setTimeout(STARTUP_MS, () => socket.destroy());
  });
}

test('deadpool run started by socket activation with sockets "web" and "agent": the agent answers on the one systemd bound, not on Agent.port', async (t) => {
  const backend = await startToggleBackend();
  t.teardown(() => backend.close());
  const [webPort, agentPort, configuredWeb, configuredAgent] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = await tempConfig(
    t,
    () => `WEB: { host: 127.0.0.1, port: ${configuredWeb}, access_token: ${TOKEN}, name: DC-1 }
WatchMan: { probe_status_folder: flags, stale_grace: 1 }
Agent: { host: 127.0.0.1, port: ${configuredAgent}, weight: 70 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
`,
  );
  const user = unprivileged();
  const child = spawn(
    'systemd-socket-activate',
    ['-l', `127.0.0.1:${webPort}`, '-l', `127.0.0.1:${agentPort}`, '--fdname=web:agent', process.execPath, repoPathFor(user, 'bin/deadpool.js'), 'run', '-c', config],
    { cwd: reachableRoot(user), stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor(() => output.includes(`Listening on 127.0.0.1:${agentPort}`), STARTUP_MS, () => `systemd-socket-activate to listen: ${output}`);
  // This connection starts DeadPool: it is answered over the inherited socket once the responder runs
  // (down until the watcher has made its folder and checked the probe).
  const first = await readLine(agentPort);
  t.regex(first, /^(up ready 70%|down ready #.+)\n$/, output);
  await waitFor(async () => (await readLine(agentPort)) === 'up ready 70%\n', STARTUP_MS, () => `the agent to say up: ${output}`);
  // The line is logged once the responder's config watch is up, which can be a moment after the agent first answers.
  const said = new RegExp(`HAProxy agent answering on 127\\.0\\.0\\.1:${agentPort} \\(the socket passed by systemd, fd \\d\\) for the base URL, weight 70%`);
  await waitFor(() => said.test(output), STARTUP_MS, () => `the responder to say where the agent answers: ${output}`);
  t.is(await readLine(configuredAgent), '', 'Agent.port is not bound when systemd passes the socket');
  backend.setHealthy(false);
  await waitFor(async () => /^down ready #elastic: /.test(await readLine(agentPort)), STARTUP_MS, () => `the agent to say down: ${output}`);
});
