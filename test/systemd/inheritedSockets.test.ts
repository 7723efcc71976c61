import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { fdIsSocket, handOn, inheritedFd, InheritedSocketsError, takeInheritedSockets } from '../../src/systemd/inheritedSockets.ts';

const sockets = (fds: number[]) => (fd: number) => fds.includes(fd);

test('web and agent by name from LISTEN_FDNAMES, from fd 3 on; the variables are taken out of the environment', (t) => {
  const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'agent:web', PATH: '/bin' };
  const got = takeInheritedSockets(env, { pid: 42, isSocket: sockets([3, 4]) });
  t.is(inheritedFd(got, 'agent'), 3);
  t.is(inheritedFd(got, 'web'), 4);
  t.deepEqual(got.warnings, []);
  t.deepEqual(env, { PATH: '/bin' });
});

test('sockets meant for another process are not taken, but the variables are still removed', (t) => {
  const env: NodeJS.ProcessEnv = { LISTEN_PID: '41', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' };
  const got = takeInheritedSockets(env, { pid: 42, isSocket: sockets([3]) });
  t.is(got.fds.size, 0);
  t.deepEqual(env, {});
});

test('a child of deadpool run takes the sockets its supervisor hands on (LISTEN_PID names the supervisor)', (t) => {
  const env: NodeJS.ProcessEnv = { LISTEN_PID: '7', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' };
  t.is(inheritedFd(takeInheritedSockets(env, { pid: 42, supervisorPid: 7, isSocket: sockets([3]) }), 'web'), 3);
  const other: NodeJS.ProcessEnv = { LISTEN_PID: '7', LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' };
  t.is(takeInheritedSockets(other, { pid: 42, supervisorPid: 8, isSocket: sockets([3]) }).fds.size, 0);
});

test('no variables: no sockets', (t) => {
  t.is(takeInheritedSockets({}, { pid: 42, isSocket: sockets([]) }).fds.size, 0);
});

test('unknown and repeated names are warnings; an fd without a name is "unknown", as systemd calls it', (t) => {
  const got = takeInheritedSockets({ LISTEN_PID: '42', LISTEN_FDS: '3', LISTEN_FDNAMES: 'web:web:metrics' }, { pid: 42, isSocket: sockets([3, 4, 5]) });
  t.is(inheritedFd(got, 'web'), 3);
  t.deepEqual(got.warnings, [
    'socket activation: fd 4 is named "web" like fd 3: only the first is used',
    'socket activation: fd 5 is named "metrics", not one of web, agent (FileDescriptorName= in the socket unit): not used',
  ]);
  const unnamed = takeInheritedSockets({ LISTEN_PID: '42', LISTEN_FDS: '1' }, { pid: 42, isSocket: sockets([3]) });
  t.is(unnamed.fds.size, 0);
  t.regex(unnamed.warnings[0]!, /fd 3 is named "unknown"/);
});

const errors: [string, NodeJS.ProcessEnv, string][] = [
  ['LISTEN_PID not a number', { LISTEN_PID: 'x', LISTEN_FDS: '1' }, 'socket activation: LISTEN_PID: expected a process id, got "x"'],
  ['both malformed, both said', { LISTEN_PID: '', LISTEN_FDS: '-1' }, 'socket activation: LISTEN_PID: expected a process id, got ""; LISTEN_FDS: expected a number of file descriptors, got "-1"'],
  ['LISTEN_FDS missing', { LISTEN_PID: '42' }, 'socket activation: LISTEN_FDS: expected a number of file descriptors, got ""'],
  ['names not one per fd', { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'web' }, 'socket activation: LISTEN_FDNAMES: expected 2 name(s) separated by ":" (one per fd of LISTEN_FDS), got "web"'],
  ['an fd that is not a socket', { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'web:agent' }, 'socket activation: fd 4 (agent) is not an open socket'],
];
for (const [name, env, message] of errors) {
  test(`refused: ${name}`, (t) => {
    const error = t.throws(() => takeInheritedSockets(env, { pid: 42, isSocket: sockets([3]) }), { instanceOf: InheritedSocketsError });
    t.is(error?.message, message);
  });
}

test('fdIsSocket (the default check): a listening socket is one; an open file and a closed fd are not', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  t.true(fdIsSocket(fd));
  const file = fs.openSync(fileURLToPath(import.meta.url), 'r');
  t.false(fdIsSocket(file));
  fs.closeSync(file);
  t.false(fdIsSocket(file));
});

test('handOn: the known sockets at 3, 4, … of the child, described by LISTEN_* naming the parent', (t) => {
  const got = takeInheritedSockets({ LISTEN_PID: '42', LISTEN_FDS: '3', LISTEN_FDNAMES: 'metrics:agent:web' }, { pid: 42, isSocket: sockets([3, 4, 5]) });
  t.deepEqual(handOn(got, 42), { env: { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'agent:web' }, fds: [4, 5] });
  t.deepEqual(handOn(takeInheritedSockets({}, { pid: 42 }), 42), { env: {}, fds: [] });
});
