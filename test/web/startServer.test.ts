import test from 'ava';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createApp } from '../../src/web/createApp.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import { SERVER_LIMITS, startServer } from '../../src/web/startServer.ts';
import { freshFor } from '../helpers/freshness.ts';
import { constant, modelFor } from '../helpers/healthModel.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { request } from './request.ts';

const app = () =>
  createApp({
    getState: () => ({ folder: '/f', folderOk: true, folderProblem: undefined, flags: new Map() }),
    getModel: constant(modelFor([])),
    getMarks: () => NO_MARKS,
    getWebConfig: () => ({ base_url: '/' }),
    getToken: () => undefined,
    getFreshness: () => freshFor([]),
    logger: silentLogger,
  });

test('listens on host:port (0 = any free port) with the limits set, and answers', async (t) => {
  const running = await startServer(app(), { host: '127.0.0.1', port: 0 });
  t.teardown(() => running.close());
  t.true(running.address.port > 0);
  t.is(running.server.headersTimeout, SERVER_LIMITS.headersTimeout);
  t.is(running.server.requestTimeout, SERVER_LIMITS.requestTimeout);
  t.is(running.server.keepAliveTimeout, SERVER_LIMITS.keepAliveTimeout);
  t.is(running.server.maxHeadersCount, SERVER_LIMITS.maxHeadersCount);
  t.is(running.server.maxRequestsPerSocket, SERVER_LIMITS.maxRequestsPerSocket);
  const answer = await request(`http://127.0.0.1:${running.address.port}`, '/');
  t.is(answer.status, 200);
});

test('a kept-alive connection is never closed for having served many requests (no reconnect churn under a flood)', async (t) => {
  const running = await startServer(app(), { host: '127.0.0.1', port: 0 });
  t.teardown(() => running.close());
  let connections = 0;
  running.server.on('connection', () => connections++);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const closedByServer: string[] = [];
  for (let i = 0; i < 1100; i++) {
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: running.address.port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      }).on('error', reject);
    });
    if (headers.connection === 'close') closedByServer.push(String(i));
  }
  t.deepEqual(closedByServer, []);
  t.is(connections, 1, '1,100 requests on one socket');
});

test('a port in use: the error names host and port', async (t) => {
  const first = await startServer(app(), { host: '127.0.0.1', port: 0 });
  t.teardown(() => first.close());
  await t.throwsAsync(startServer(app(), { host: '127.0.0.1', port: first.address.port }), {
    message: `cannot listen on 127.0.0.1:${first.address.port}: EADDRINUSE`,
  });
});

test('close() does not wait for idle keep-alive sockets', async (t) => {
  const running = await startServer(app(), { host: '127.0.0.1', port: 0 });
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  await new Promise<void>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: running.address.port, path: '/', agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  const started = performance.now();
  await running.close();
  t.true(performance.now() - started < 1000);
});

test('malformed requests get an error answer and the server keeps serving', async (t) => {
  const running = await startServer(app(), { host: '127.0.0.1', port: 0 });
  t.teardown(() => running.close());
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      const socket = net.connect(running.address.port, '127.0.0.1', () => socket.end(text));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
  t.regex(await raw('HELLO\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.regex(await raw(`GET / HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(10_000)}\r\n`), /^HTTP\/1\.1 431/);
  t.regex(await raw('GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 404/);
  t.is((await request(`http://127.0.0.1:${running.address.port}`, '/')).status, 200);
});

test('an fd that is not a listening socket (socket activation gone wrong): the error names the fd, not host and port', async (t) => {
  const fd = fs.openSync(new URL(import.meta.url), 'r');
  t.teardown(() => fs.closeSync(fd));
  const error = await t.throwsAsync(startServer(app(), { host: '127.0.0.1', port: 0, fd }));
  t.regex(error?.message ?? '', new RegExp(`^cannot listen on the socket passed by systemd \\(fd ${fd}\\): `));
});
