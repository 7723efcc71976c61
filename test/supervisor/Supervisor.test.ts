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

/** A supervisor of real `node -e` children, each with its script; stderr piped and an IPC channel, as `deadpool run` starts them. */
function supervise(scripts: Record<string, string>, options: { maxLineChars?: number } = {}) {
  const clock = new FakeClock();
  const records: LogRecord[] = [];
  const supervisor = new Supervisor({
    children: Object.keys(scripts).map((name) => ({ name, command: process.execPath, args: [] })),
    spawn: ({ name }) => spawn(process.execPath, ['-e', scripts[name]!], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }),
    log: createLogger({ level: 'debug', sinks: [(r) => records.push(r)], fields: { component: 'supervisor' } }),
    clock,
    ...options,
  });
  let failure: unknown;
  void supervisor.failed.then((f) => (failure = f));
  return { supervisor, clock, records, failure: () => failure };
}

for (const code of [2, 70]) {
  test(`a child that exits with ${code} before it is ready is not restarted: \`failed\` gives its code and its stderr, the other child runs on until stopped`, async (t) => {
    const { supervisor, clock, records, failure } = supervise({
      watcher: 'setInterval(() => {}, 1000)',
      web: `process.stderr.write('deadpool: cannot start\\nthe reason, second line\\n'); process.exitCode = ${code}`,
    });
    t.teardown(() => supervisor.stop());
    supervisor.start();
    t.deepEqual(await supervisor.failed, { name: 'web', code, lines: ['deadpool: cannot start', 'the reason, second line'] });
    const said = records.find((r) => r.message.startsWith('web could not start'));
    t.is(said?.message, `web could not start: exited with code ${code} before it was ready (the reason, second line); not restarting it`);
    t.false(records.some((r) => r.message.includes('restarting in')));
    clock.advanceTo(clock.now() + 60_000);
    t.is(records.filter((r) => r.message.startsWith('started web')).length, 1, 'never started again');
    t.truthy(supervisor.pids['watcher'], 'the watcher is left to the caller to stop');
    t.truthy(failure());
    await supervisor.stop();
    t.deepEqual(supervisor.pids, { watcher: undefined, web: undefined });
  });
}

test('a child that was ready once is restarted with backoff whatever its exit code', async (t) => {
  const { supervisor, clock, records, failure } = supervise({
    web: "process.send({ deadpool: 'ready' }, () => { process.stderr.write('boom\\n'); process.exit(70); })",
  });
  t.teardown(() => supervisor.stop());
  supervisor.start();
  await waitFor(() => records.some((r) => r.message.includes('restarting in')), 5000, 'the first restart');
  t.true(records.some((r) => /^web ready after [\d.]+ s$/.test(r.message)));
  t.regex(records.find((r) => r.message.includes('restarting in'))!.message, /^web exited with code 70 after [\d.]+ s; restarting in 1 s$/);
  clock.advanceTo(clock.now() + 1000);
  await waitFor(() => records.filter((r) => r.message.includes('restarting in')).length === 2, 5000, 'the second restart');
  t.is(failure(), undefined);
});

test('a child that exits with 1 before it is ready (a crash, not a refusal) is restarted', async (t) => {
  const { supervisor, records, failure } = supervise({ watcher: 'process.exit(1)' });
  t.teardown(() => supervisor.stop());
  supervisor.start();
  await waitFor(() => records.some((r) => r.message.includes('restarting in')), 5000, 'the restart');
  t.is(failure(), undefined);
});

test("children's stderr lines become error records of their component: partial lines joined, the last one kept, long ones cut", async (t) => {
  const script = [
    "process.stderr.write('(node:1) TimeoutOverflowWarning: 4294967296 does not fit into a 32-bit signed integer.\\r\\n');",
    "process.stderr.write('half a ');",
    "setTimeout(() => { process.stderr.write('line\\n' + 'x'.repeat(500) + '\\n\\n'); process.stderr.write('no newline at the end'); }, 20);",
  ].join('');
  const { supervisor, records } = supervise({ watcher: script }, { maxLineChars: 100 });
  t.teardown(() => supervisor.stop());
  supervisor.start();
  await waitFor(() => records.some((r) => r.message.includes('restarting in')), 5000, 'the child to exit');
  const relayed = records.filter((r) => r.fields.stream === 'stderr');
  t.deepEqual(
    relayed.map((r) => r.message),
    [
      '(node:1) TimeoutOverflowWarning: 4294967296 does not fit into a 32-bit signed integer.',
      'half a line',
      `${'x'.repeat(100)} … (line cut at 100 characters)`,
      'no newline at the end',
    ],
  );
  for (const r of relayed) t.like(r, { level: 'error', fields: { component: 'watcher', stream: 'stderr' } });
  t.true(records.indexOf(relayed.at(-1)!) < records.findIndex((r) => r.message.includes('restarting in')), 'its last words are logged before its exit');
});

test('IPC messages other than the ready message go to onMessage with the child\'s name', async (t) => {
  const seen: [string, unknown][] = [];
  const records: LogRecord[] = [];
  const supervisor = new Supervisor({
    children: [{ name: 'web', command: process.execPath, args: [] }],
    spawn: () =>
      spawn(process.execPath, ['-e', "process.send({ deadpool: 'ready' }); process.send({ deadpool: 'status', text: '200 OK', settled: true }); setInterval(() => {}, 1000)"], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      }),
    onMessage: (child, message) => seen.push([child, message]),
    log: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
  });
  t.teardown(() => supervisor.stop());
  supervisor.start();
  await waitFor(() => seen.length === 1 && records.some((r) => r.message.startsWith('web ready after')), 30_000, 'the status message and the ready one');
  t.deepEqual(seen, [['web', { deadpool: 'status', text: '200 OK', settled: true }]]);
});
