import test from 'ava';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { startAgentServer } from '../../src/agent/startAgentServer.ts';
import { freePort } from '../helpers/responderClient.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** What one connection to the agent reads before the agent closes it. */
function readLine(port: number, send = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('connect', () => {
      if (send) socket.write(send);
    });
    socket.on('data', (data: Buffer) => (text += data.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('each connection gets the line of that moment, one newline, then the agent closes', async (t) => {
  let line = 'up ready 100%';
  const server = await startAgentServer({ listen: { host: '127.0.0.1', port: 0 }, line: () => line });
  t.teardown(() => server.close());
  t.is(await readLine(server.address.port), 'up ready 100%\n');
  line = 'down ready #db: timeout';
  t.is(await readLine(server.address.port, 'hello from agent-send\n'), 'down ready #db: timeout\n');
  const many = await Promise.all(Array.from({ length: 200 }, () => readLine(server.address.port)));
  t.true(many.every((answer) => answer === 'down ready #db: timeout\n'));
});

test('peers that reset the connection (as HAProxy does once it has the line) do not harm the listener', async (t) => {
  const server = await startAgentServer({ listen: { host: '127.0.0.1', port: 0 }, line: () => 'up ready 100%' });
  t.teardown(() => server.close());
  await Promise.all(
    Array.from(
      { length: 50 },
      () =>
        new Promise<void>((resolve) => {
          const socket = net.connect(server.address.port, '127.0.0.1', () => {
            socket.resetAndDestroy();
            resolve();
          });
          socket.on('error', () => resolve());
        }),
    ),
  );
  t.is(await readLine(server.address.port), 'up ready 100%\n');
});

test('a line that cannot be made: no answer (HAProxy keeps the state it had), the error reported, the listener lives on', async (t) => {
  const errors: unknown[] = [];
  let fail = true;
  const server = await startAgentServer({
    listen: { host: '127.0.0.1', port: 0 },
    line: () => {
      if (fail) throw new Error('boom');
      return 'up ready 100%';
    },
    onError: (error) => errors.push(error),
  });
  t.teardown(() => server.close());
  t.is(await readLine(server.address.port).catch(() => ''), '');
  t.is((errors[0] as Error).message, 'boom');
  fail = false;
  t.is(await readLine(server.address.port), 'up ready 100%\n');
});

test('a port in use: a message naming the address', async (t) => {
  const first = await startAgentServer({ listen: { host: '127.0.0.1', port: 0 }, line: () => 'up' });
  t.teardown(() => first.close());
  await t.throwsAsync(startAgentServer({ listen: { host: '127.0.0.1', port: first.address.port }, line: () => 'up' }), { message: `the HAProxy agent cannot listen on 127.0.0.1:${first.address.port}: EADDRINUSE` });
});

test('an already-open listening socket (fd 3, from systemd-socket-activate as systemd would pass it) is served too', async (t) => {
  const port = await freePort();
  const child = spawn('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, process.execPath, '--import', 'tsx', 'test/fixtures/agent/fdAgent.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor(() => output.includes(`Listening on 127.0.0.1:${port}`), 10_000, () => `systemd-socket-activate to listen: ${output}`);
  // The first connection makes systemd-socket-activate start the agent, which answers it from the inherited socket.
  const answer = await readLine(port);
  t.regex(answer, /^up ready 42% \(pid \d+\)\n$/);
  t.regex(output, new RegExp(`listening on 127\\.0\\.0\\.1:${port}`));
  t.is(await readLine(port), answer, 'the same process answers the next one');
});
