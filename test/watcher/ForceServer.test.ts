import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/log/createLogger.ts';
import { systemClock } from '../../src/clock/Clock.ts';
import { ForceServer, type Forceable } from '../../src/watcher/ForceServer.ts';
import { ANNOUNCE_WITHIN_MS, forceChecks } from '../../src/watcher-link/forceChecks.ts';
import { FORCE_SOCKET, type ForcedCheck } from '../../src/watcher-link/forceProtocol.ts';
import { SharedForceChecks } from '../../src/watcher-link/SharedForceChecks.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { waitFor } from '../helpers/waitFor.ts';

const check = (at: number, ok = true): ForcedCheck => ({ at, duration_ms: 3, ok, since: at, reason: ok ? 'status 200 in 3 ms' : 'status 500 not in [200]', state: ok ? 'up' : 'down', ...(ok ? {} : { down_reason: 'status 500 not in [200]' }) });

/** A probe whose forced checks end when the test says so (or at once with `result`), counting them. */
function fakeProbe(timeoutMs: number, result?: ForcedCheck) {
  const waiting: ((r: ForcedCheck | undefined) => void)[] = [];
  const probe = {
    calls: 0,
    spec: { timeoutMs },
    force(): Promise<ForcedCheck | undefined> {
      probe.calls++;
      return result ? Promise.resolve(result) : new Promise((resolve) => waiting.push(resolve));
    },
    finish: (r: ForcedCheck) => waiting.shift()?.(r),
  };
  return probe;
}

async function serve(t: { teardown(fn: () => Promise<void>): void }, probes: Record<string, Forceable>, checkEveryMs = 500) {
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'deadpool-force-')), 'flags');
  await mkdir(folder);
  const server = new ForceServer({ folder, probes: () => new Map(Object.entries(probes)), log: silentLogger, clock: systemClock, checkEveryMs });
  await server.start();
  t.teardown(async () => {
    await server.close();
    await rm(path.dirname(folder), { recursive: true, force: true });
  });
  return { folder, server };
}

/** Every line the watcher sends for one request, until it closes the connection. */
function rawRequest(folder: string, text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(path.join(folder, FORCE_SOCKET));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received.split('\n').filter((line) => line !== '')));
  });
}

test('the watcher says at once how long it will wait and which names it does not run, sends each result as its check ends, then closes', async (t) => {
  const fast = fakeProbe(200, check(1000));
  const slow = fakeProbe(3000);
  const { folder } = await serve(t, { fast, slow });
  const reply = rawRequest(folder, `${JSON.stringify({ force: ['slow', 'fast', 'nope', 'fast'] })}\n`);
  await waitFor(() => slow.calls === 1);
  slow.finish(check(2000, false));
  const lines = (await reply).map((line) => JSON.parse(line));
  t.deepEqual(lines, [{ wait_ms: 4000, unknown: ['nope'] }, { probe: 'fast', ...check(1000) }, { probe: 'slow', ...check(2000, false) }]);
  t.is(fast.calls, 1, 'a name asked for twice is checked once');
});

test('forceChecks: the results by probe; past the watcher\'s wait (longest timeout + 1 s) the probes not done are left out', async (t) => {
  const done = fakeProbe(100, check(5));
  const hangs = fakeProbe(100);
  const { folder } = await serve(t, { done, hangs });
  const started = Date.now();
  const results = await forceChecks(folder, ['done', 'hangs'], 60_000);
  const took = Date.now() - started;
  t.deepEqual([...results], [['done', check(5)]]);
  t.true(took >= 1000 && took < 1100 + 1000, `resolved after ${took} ms (wait 1,100 ms)`);
});

test('forceChecks waits no longer than its budget', async (t) => {
  const { folder } = await serve(t, { hangs: fakeProbe(10_000) });
  const started = Date.now();
  t.deepEqual(await forceChecks(folder, ['hangs'], 200), new Map());
  t.true(Date.now() - started < 200 + 1000);
});

test('no watcher listening: nothing, at once; a watcher that never answers: nothing, within ANNOUNCE_WITHIN_MS', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-force-'));
  // Reads (so it sees the client go) but never answers: a frozen watcher's socket.
  const mute = net.createServer((connection) => connection.resume());
  await new Promise<void>((resolve) => mute.listen(path.join(folder, FORCE_SOCKET), () => resolve()));
  const empty = await mkdtemp(path.join(os.tmpdir(), 'deadpool-force-none-'));
  t.teardown(async () => {
    await new Promise((resolve) => mute.close(resolve));
    await rm(folder, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });
  let started = Date.now();
  t.deepEqual(await forceChecks(empty, ['p'], 60_000), new Map());
  t.true(Date.now() - started < 500);
  started = Date.now();
  t.deepEqual(await forceChecks(folder, ['p'], 60_000), new Map());
  const took = Date.now() - started;
  t.true(took >= ANNOUNCE_WITHIN_MS - 50 && took < ANNOUNCE_WITHIN_MS + 1000, `gave up after ${took} ms`);
});

test('a line that is not a request gets an error and the connection ends', async (t) => {
  const { folder } = await serve(t, {});
  t.deepEqual(await rawRequest(folder, 'hello\n'), ['{"error":"expected {\\"force\\": [probe names]}"}']);
});

test('the socket is mode 0666 (a responder running as another user connects) and is back soon after the folder was deleted and made again', async (t) => {
  const probe = fakeProbe(100, check(7));
  const { folder } = await serve(t, { probe }, 20);
  const socket = path.join(folder, FORCE_SOCKET);
  t.is((await stat(socket)).mode & 0o777, 0o666);
  await rm(folder, { recursive: true });
  await mkdir(folder);
  await waitFor(() => existsSync(socket), 5000, 'the socket back');
  t.deepEqual([...(await forceChecks(folder, ['probe'], 5000))], [['probe', check(7)]]);
});

test('closing removes the socket', async (t) => {
  const { folder, server } = await serve(t, {});
  await server.close();
  t.false(existsSync(path.join(folder, FORCE_SOCKET)));
});

test('SharedForceChecks: overlapping calls share one request per probe, each bounded by its own budget', async (t) => {
  const a = fakeProbe(1000);
  const b = fakeProbe(1000, check(9));
  const { folder } = await serve(t, { a, b });
  const shared = new SharedForceChecks(folder);
  const calls = Array.from({ length: 200 }, () => shared.force(['a', 'b'], 5000));
  await waitFor(() => a.calls === 1);
  const impatient = await shared.force(['a'], 50);
  t.deepEqual(impatient, new Map(), 'a call with a short budget does not wait for the others');
  a.finish(check(8));
  const results = await Promise.all(calls);
  t.true(results.every((r) => r.get('a')?.at === 8 && r.get('b')?.at === 9));
  t.is(a.calls, 1);
  t.is(b.calls, 1);
  t.deepEqual([...(await shared.force(['b'], 5000))], [['b', check(9)]], 'a later call asks again');
  t.is(b.calls, 2);
});

test('a look at the socket file under way when close() runs does not listen again (a stopping watcher stayed alive so)', async (t) => {
  const clock = new FakeClock();
  const folder = path.join(await mkdtemp(path.join(os.tmpdir(), 'deadpool-force-')), 'flags');
  await mkdir(folder);
  t.teardown(() => rm(path.dirname(folder), { recursive: true, force: true }));
  const server = new ForceServer({ folder, probes: () => new Map(), log: silentLogger, clock, checkEveryMs: 500 });
  await server.start();
  // The socket file gone (the folder rebuilt): the next look listens again, unless closed meanwhile.
  await rm(server.file);
  clock.advanceTo(clock.now() + 500);
  await server.close();
  // Give the look that was under way every chance to finish.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(existsSync(server.file), 'no socket made after close()');
  const refused = await new Promise<boolean>((resolve) => {
    const socket = net.createConnection(server.file);
    socket.on('connect', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(true));
  });
  t.true(refused, 'nothing listens');
});
