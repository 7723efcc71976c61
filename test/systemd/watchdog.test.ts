import test from 'ava';
import { fieldsAt, startActivatedRun, statuses } from '../helpers/socketActivate.ts';
import { waitFor } from '../helpers/waitFor.ts';

test('deadpool run under systemd: WATCHDOG=1 every half WATCHDOG_USEC, none while the watcher is frozen (SIGSTOP), again once it runs', async (t) => {
  const { receiver, run } = await startActivatedRun(t, 2_000_000);
  // WATCHDOG_USEC is 2 s: a ping about every second.
  const pingsFrom = receiver.received.length;
  await waitFor(() => fieldsAt(receiver.received.slice(pingsFrom), 'WATCHDOG').length >= 5, 20_000, 'five pings');
  const pings = fieldsAt(receiver.received.slice(pingsFrom), 'WATCHDOG').map((n) => n.at);
  const gaps = pings.slice(1).map((at, i) => at - pings[i]!).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  t.true(median > 700 && median < 1700, `median gap ${median} ms, about 1000`);

  // A frozen watcher: its heartbeat stops, so do the pings (systemd would restart the service).
  const watcherPid = Number(/started watcher \(pid (\d+)\)/.exec(run.output)![1]);
  process.kill(watcherPid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(watcherPid, 'SIGKILL');
    } catch {
      // already gone with its supervisor
    }
  });
  const frozenAt = Date.now();
  await waitFor(() => run.output.includes('not feeding the systemd watchdog: no heartbeat from the watcher'), 15_000, 'the watchdog held back');
  const heldAt = Date.now();
  // A ping spawned just before may still be on its way: let it land, then expect no more.
  await waitFor(() => Date.now() - heldAt > 2000, 5000, '2 s');
  const lastPing = Math.max(...fieldsAt(receiver.received, 'WATCHDOG').map((n) => n.at));
  await waitFor(() => Date.now() - heldAt > 5000, 8000, '3 s more');
  t.is(Math.max(...fieldsAt(receiver.received, 'WATCHDOG').map((n) => n.at)), lastPing, 'no WATCHDOG=1 while the watcher is frozen');
  // The heartbeat limit is 2 s (two heartbeats + stale_grace 1 s); then at most one ping interval and a slow systemd-notify.
  t.true(lastPing - frozenAt < 6000, `the last ping ${Math.round(lastPing - frozenAt)} ms after the freeze`);
  t.is(statuses(receiver.received).at(-1), '503: elastic', 'and the answer says so');
  process.kill(watcherPid, 'SIGCONT');
  await waitFor(() => fieldsAt(receiver.received, 'WATCHDOG').some((n) => n.at > lastPing), 15_000, 'pings again once the watcher runs');

});
