import test from 'ava';
import { spawn } from 'node:child_process';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { Supervisor } from '../../src/supervisor/Supervisor.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { waitFor } from '../helpers/waitFor.ts';

test('a child that dies is restarted after a backoff doubling from 1 s to 30 s, reset after a minute up; each restart logged', async (t) => {
  const clock = new FakeClock();
  const records: LogRecord[] = [];
  let spawned = 0;
  let script = 'process.exit(3)';
  const supervisor = new Supervisor({
    // Real processes that exit at once with the code the test chooses.
    children: [{ name: 'watcher', command: process.execPath, args: [] }],
    spawn: () => {
      spawned++;
      return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    },
    log: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    clock,
  });
  t.teardown(() => supervisor.stop());
  supervisor.start();
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    await waitFor(() => records.filter((r) => r.message.includes('restarting in')).length === i + 1, 5000, `exit ${i + 1}`);
    const delay = Number(/restarting in ([\d.]+) s/.exec(records.at(-1)!.message)![1]) * 1000;
    delays.push(delay);
    t.true(clock.hasTimerAt(clock.now() + delay));
    clock.advanceTo(clock.now() + delay);
  }
  t.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  t.is(spawned, 8);
  t.regex(records.find((r) => r.message.includes('restarting'))!.message, /^watcher exited with code 3 after 0\.0 s; restarting in 1 s$/);

  // A child that stayed up a minute starts again from 1 s.
  await waitFor(() => records.filter((r) => r.message.includes('restarting in')).length === 8, 5000, 'exit 8');
  script = 'setInterval(() => {}, 1000)';
  const before = records.length;
  clock.advanceTo(clock.now() + 30_000);
  await waitFor(() => records.slice(before).some((r) => r.message.startsWith('started watcher')));
  clock.advanceTo(clock.now() + 60_000);
  process.kill(supervisor.pids['watcher']!, 'SIGKILL');
  await waitFor(() => records.slice(before).some((r) => r.message.includes('restarting in')), 5000, 'exit after a long uptime');
  t.regex(records.at(-1)!.message, /^watcher killed by SIGKILL after 60\.0 s; restarting in 1 s$/);
});
