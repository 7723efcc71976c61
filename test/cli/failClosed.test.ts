import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPair } from '../helpers/deadpoolPair.ts';
import { pollResponder } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

// period 0.3 s + timeout 0.5 s + stale_grace 1 s: a result older than 1.8 s no longer counts.
const probe = (name: string, url: string) => `  ${name}:\n    module: url_probe\n    period: 0.3\n    query: { url: '${url}', timeout: 0.5 }\n`;
const LIMIT_MS = 300 + 500 + 1000;

async function backendFor(t: { teardown(fn: () => Promise<void>): void }, healthy = true) {
  const backend = await startToggleBackend();
  backend.setHealthy(healthy);
  t.teardown(() => backend.close());
  return backend;
}

test('a responder without any watcher answers 503, saying why', async (t) => {
  const backend = await backendFor(t);
  const pair = await startPair(t, { probes: probe('elastic', backend.url), watcher: false });
  const answer = await pair.ask();
  t.is(answer.status, 503);
  t.is(answer.body, 'Server: DC-1 reports:\ncannot read the flag folder: the folder does not exist\n');
  // A folder without a state file (a watcher that never ran, or ran long ago) is no better.
  await mkdir(pair.folder);
  await waitFor(async () => (await pair.ask()).body.includes('DEAD'), 5000, 'the folder to be read');
  t.is((await pair.ask()).body, 'Server: DC-1 reports:\nThe elastic is DEAD! no result from the watcher: not started, or unable to write flags/\n');
});

test('a frozen watcher (SIGSTOP) turns the answer to 503 within period + timeout + grace + 1 s, and back to 200 on SIGCONT', async (t) => {
  const backend = await backendFor(t);
  const pair = await startPair(t, { probes: probe('elastic', backend.url) });
  const poll = pollResponder(pair.origin, 'fail-closed-test-token');
  t.teardown(() => poll.stop());
  let frozenAt = 0;
  for (let attempt = 1; ; attempt++) {
    await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'a 200 before the freeze');
    frozenAt = Date.now();
    pair.watcher!.child.kill('SIGSTOP');
    // On a loaded machine a check of the healthy backend may miss its 0.5 s deadline just before
    // the freeze: the probe is then down by its own flag, whose reason the silence does not
    // replace (503 either way), and this freeze shows nothing about freshness. Thaw, try again.
    if (!existsSync(path.join(pair.folder, 'elastic.dead'))) break;
    pair.watcher!.child.kill('SIGCONT');
    t.log(`attempt ${attempt}: the probe was flagged when the watcher froze`);
    if (attempt === 5) return t.fail('the probe was flagged at every one of 5 freezes');
  }
  // The freeze's own reason, not a deadline missed before it, in an answer asked for after the
  // freeze: under load the poller's last answer can still be one from before the watcher's first
  // heartbeat ("not started"), which a plain look at `last` took for the freeze (CI, stop 18).
  await waitFor(() => poll.lastSentAt >= frozenAt && poll.last.status === 503 && /no result from the watcher/.test(poll.last.body), LIMIT_MS + 3000, "a 503 for the watcher's silence");
  const detected = Date.now() - frozenAt;
  t.log(`frozen watcher detected after ${detected} ms (limit ${LIMIT_MS + 1000} ms)`);
  t.true(detected <= LIMIT_MS + 1000, `after ${detected} ms`);
  t.regex(poll.last.body, /^Server: DC-1 reports:\nThe elastic is DEAD! no result from the watcher for \d+ s: stopped, frozen, or unable to write flags\/\n$/);
  poll.reset();
  const stillFrozen = Date.now() + 1500;
  await waitFor(() => Date.now() > stillFrozen, 3000);
  t.is(poll.count(200), 0, 'no 200 while the watcher is frozen');
  t.true(poll.count(503) > 10);
  pair.watcher!.child.kill('SIGCONT');
  await waitFor(() => poll.last.status === 200, 5000, '200 after SIGCONT');
});

for (const [fault, breakFolder, repaired] of [
  ['removed', (folder: string) => rm(folder, { recursive: true, maxRetries: 20, retryDelay: 1 }), /was missing: recreated it with 1 flag/],
  ['made unreadable (chmod 000)', (folder: string) => chmod(folder, 0o000), /had mode 000: reset it to 755/],
  [
    'replaced by a plain file',
    async (folder: string, watcher: { kill(signal: NodeJS.Signals): boolean }) => {
      // Paused, or its heartbeat may rebuild the folder between the rename and the write.
      watcher.kill('SIGSTOP');
      try {
        await rename(folder, `${folder}.old`);
        await writeFile(folder, 'not a folder');
      } finally {
        watcher.kill('SIGCONT');
      }
    },
    /was a file, not a folder: moved it to /,
  ],
] as const) {
  test(`flag folder ${fault} while a probe fails: never a 200; the watcher repairs it and the flag is back`, async (t) => {
    const backend = await backendFor(t, false);
    const pair = await startPair(t, { probes: probe('elastic', backend.url) });
    await waitFor(() => existsSync(path.join(pair.folder, 'elastic.dead')), 15_000, 'the flag');
    const poll = pollResponder(pair.origin, 'fail-closed-test-token', 2);
    t.teardown(() => poll.stop());
    await waitFor(() => poll.count(503) > 0, 5000);
    await breakFolder(pair.folder, pair.watcher!.child);
    await waitFor(() => repaired.test(pair.watcher!.stdout), 10_000, 'the watcher to repair the folder');
    const expected = 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [2xx]\n';
    // An answer asked for after the repair (the poller's last one may predate the break).
    await waitFor(async () => (await pair.ask()).body === expected, 10_000, 'the responder to read the repaired folder');
    await waitFor(() => poll.count(503) >= 3, 10_000, 'a few answers while the folder was broken and repaired');
    await poll.stop();
    t.is(poll.count(200), 0, `${poll.count(200)} answers of 200 while the probe was failing`);
  });
}

test('deadpool run restarts a watcher killed with SIGKILL, and failures after the restart are reported', async (t) => {
  const backend = await backendFor(t);
  const pair = await startPair(t, { probes: probe('elastic', backend.url), supervised: true });
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  // The first 200 can come before the supervisor logs the watcher ready: killed before that, the
  // first watcher never logs it, and the count of "ready" lines below would wait for a line that
  // cannot come (2 of 4 fresh-clone runs on a loaded machine).
  await waitFor(() => /watcher ready after/.test(pair.run!.stdout), STARTUP_MS, 'the first watcher to be ready');
  const watcherPid = Number(/started watcher \(pid (\d+)\)/.exec(pair.run!.stdout)![1]);
  process.kill(watcherPid, 'SIGKILL');
  await waitFor(() => /watcher killed by SIGKILL after [\d.]+ s; restarting in 1 s/.test(pair.run!.stdout), 5000, 'the restart to be logged');
  await waitFor(() => [...pair.run!.stdout.matchAll(/started watcher \(pid (\d+)\)/g)].length === 2, 10_000, 'the new watcher');
  // Ready, not just started: until then a 200 may still come from the old watcher's last word.
  await waitFor(() => [...pair.run!.stdout.matchAll(/watcher ready after/g)].length === 2, STARTUP_MS, () => `the new watcher to be ready; deadpool run said:\n${pair.run!.stdout.slice(-3000)}`);
  await waitFor(async () => (await pair.ask()).status === 200, 15_000, 'fresh results from the new watcher');
  backend.setHealthy(false);
  const dead = await waitFor(async () => {
    const answer = await pair.ask();
    return answer.status === 503 && answer.body.includes('status') ? answer : undefined;
  }, 15_000, 'the failure after the restart');
  t.is(dead.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [2xx]\n');
});
