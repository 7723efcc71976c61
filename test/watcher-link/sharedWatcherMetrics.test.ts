import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FORCE_SOCKET } from '../../src/watcher-link/forceProtocol.ts';
import { metricsHeader } from '../../src/watcher-link/metricsProtocol.ts';
import { SharedWatcherMetrics, type WatcherMetricsParts } from '../../src/watcher-link/watcherMetrics.ts';

const SHARED = '# HELP process_open_fds x\n# TYPE process_open_fds gauge\nprocess_open_fds{process="watcher"} 7\n';

/**
 * A watcher's metrics socket answering as metricsProtocol.ts says, with its n-th answer's rest
 * made of `n` (so an answer overwritten by a later one shows), `size` bytes long; `hold` keeps
 * answers back until `go()`.
 */
async function fakeWatcher(t: { teardown(fn: () => Promise<void>): void }, size: number) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-metrics-client-'));
  let answers = 0;
  let held: (() => void)[] | undefined;
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      const n = ++answers;
      const send = (): void => {
        socket.end(`${metricsHeader(SHARED)}${SHARED}${String(n % 10).repeat(size)}`);
      };
      if (held) held.push(send);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(path.join(folder, FORCE_SOCKET), resolve));
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });
  return {
    folder,
    answers: () => answers,
    hold: () => (held = []),
    go: () => {
      const sends = held ?? [];
      held = undefined;
      for (const send of sends) send();
    },
  };
}

const text = (rest: readonly Buffer[]): string => Buffer.concat(rest).toString('utf8');

/** The client's next answer, checked to be the watcher's n-th (its rest made of n). */
async function nth(t: ExecutionContext, client: SharedWatcherMetrics, n: number, size: number): Promise<WatcherMetricsParts> {
  const parts = await client.get(5000);
  t.is(text(parts?.rest ?? []), String(n % 10).repeat(size), `answer ${n}`);
  return parts!;
}

/** A client for `folder` and the sizes of the blocks it made, in order. */
function countingClient(folder: string): { client: SharedWatcherMetrics; blocks: number[] } {
  const blocks: number[] = [];
  return { client: new SharedWatcherMetrics(folder, undefined, (size) => (blocks.push(size), Buffer.allocUnsafeSlow(size))), blocks };
}

test('an answer handed back as sent is gathered into again; one still held is not overwritten', async (t) => {
  const watcher = await fakeWatcher(t, 300_000);
  const { client, blocks } = countingClient(watcher.folder);

  const first = await client.get(5000);
  t.truthy(first);
  t.is(first!.shared, SHARED);
  t.is(text(first!.rest), '1'.repeat(300_000));
  first!.release(true);

  const second = await nth(t, client, 2, 300_000);
  t.deepEqual(blocks, [256 * 1024, 512 * 1024], 'the first block grew once to hold 300 KB, then served the second answer');

  // Still held (its answer is going out): the next answer needs a block of its own.
  const third = await nth(t, client, 3, 300_000);
  t.is(text(second.rest), '2'.repeat(300_000), 'the held answer is intact');
  t.is(blocks.length, 4);
  second.release(true);
  third.release(true);
  // Both came back: the next request takes one of them.
  const fourth = await nth(t, client, 4, 300_000);
  t.is(blocks.length, 4);
  fourth.release(true);
});

test('an answer that was cut is not reused (a write may still hold it), and release counts once', async (t) => {
  const watcher = await fakeWatcher(t, 1000);
  const { client, blocks } = countingClient(watcher.folder);
  const cut = await client.get(5000);
  cut!.release(false);
  cut!.release(true);
  const next = await nth(t, client, 2, 1000);
  t.is(blocks.length, 2);
  next.release(true);
  const last = await client.get(5000);
  t.is(blocks.length, 2);
  last!.release(true);
});

test('overlapping scrapes share one request, and its block comes back only when both are done with it', async (t) => {
  const watcher = await fakeWatcher(t, 1000);
  const { client, blocks } = countingClient(watcher.folder);
  watcher.hold();
  const a = client.get(5000);
  const b = client.get(5000);
  watcher.go();
  const [ra, rb] = await Promise.all([a, b]);
  t.is(watcher.answers(), 1);
  t.is(text(ra!.rest), '1'.repeat(1000));
  t.is(text(rb!.rest), '1'.repeat(1000));
  ra!.release(true);
  const c = await client.get(5000);
  t.is(text(rb!.rest), '1'.repeat(1000), 'the answer b still holds is intact');
  t.is(blocks.length, 2);
  rb!.release(true);
  c!.release(true);
  (await client.get(5000))!.release(true);
  t.is(blocks.length, 2);
});

test('no watcher listening: undefined within the budget, and the block is kept for the next request', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-metrics-client-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const { client, blocks } = countingClient(folder);
  t.is(await client.get(1000), undefined);
  t.is(await client.get(1000), undefined);
  t.is(blocks.length, 1);
});

test('a block grown past 8 MB by an oversized answer is not kept', async (t) => {
  const watcher = await fakeWatcher(t, 9 * 1024 * 1024);
  const { client, blocks } = countingClient(watcher.folder);
  (await nth(t, client, 1, 9 * 1024 * 1024)).release(true);
  const made = blocks.length;
  t.is(blocks.at(-1), 16 * 1024 * 1024);
  (await nth(t, client, 2, 9 * 1024 * 1024)).release(true);
  t.is(blocks[made], 256 * 1024, 'the next answer starts again from a small block');
});
