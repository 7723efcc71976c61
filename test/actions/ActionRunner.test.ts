import test from 'ava';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ActionRunner } from '../../src/actions/ActionRunner.ts';
import type { RunCommand } from '../../src/actions/RunCommand.ts';
import { systemClock } from '../../src/clock/Clock.ts';
import { actionSchema, type ActionConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { ExecClient } from '../../src/probe-kit/execClient.ts';
import type { VerdictChange } from '../../src/watcher/VerdictWatch.ts';
import { aliveInGroup, zombiesOf } from '../helpers/processes.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** Real commands through a real exec helper of the test's own. */
async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-action-'));
  const client = new ExecClient();
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(record) => void records.push(record)] });
  const started: { change: VerdictChange; pid: number }[] = [];
  const run: RunCommand = (request, signal, onStarted) => client.run(request, signal, log, onStarted);
  const runner = (config: Partial<ActionConfig>) => {
    const action = new ActionRunner('nginx', actionSchema.parse(config), { run, clock: systemClock, log, cwd: dir, onStarted: (_name, change, pid) => started.push({ change, pid }) });
    t.teardown(() => action.stop());
    return action;
  };
  const script = async (name: string, body: string): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  };
  return { dir, client, records, started, runner, script };
}

const change = (up: boolean, from: boolean | undefined, extra: Partial<VerdictChange> = {}): VerdictChange => ({ pool: undefined, up, from, reason: up ? 'OK' : 'The es-1 is DEAD! refused', failing: up ? [] : ['es-1'], since: Date.now(), ...extra });

test('on_down gets the verdict in its environment; exit code, duration and the last lines of output are logged', async (t) => {
  const { dir, records, runner } = await setup(t);
  const out = path.join(dir, 'env.txt');
  const action = runner({ on_down: `env > ${out}; i=0; while [ $i -lt 30 ]; do echo line $i; i=$((i+1)); done; echo oops >&2; exit 3`, pool: 'search' });
  action.want(change(false, true, { pool: 'search', failing: ['es-1', 'es-2'], reason: 'The es-1 is DEAD! refused; The es-2 is DEAD! refused' }));
  await waitFor(() => records.some((r) => /on_down exit 3/.test(r.message)), 20_000, 'the action to end');
  const env = await readFile(out, 'utf8');
  t.regex(env, /^DEADPOOL_STATE=down$/m);
  t.regex(env, /^DEADPOOL_POOL=search$/m);
  t.regex(env, /^DEADPOOL_FAILING=es-1 es-2$/m);
  t.regex(env, /^DEADPOOL_REASON=The es-1 is DEAD! refused; The es-2 is DEAD! refused$/m);
  t.regex(env, /^PATH=/m, 'the watcher\'s environment is kept');
  t.notRegex(env, /^NODE_OPTIONS=/m);
  const done = records.find((r) => /on_down exit 3/.test(r.message))!;
  t.is(done.level, 'warning');
  t.is(done.fields['exit_code'], 3);
  t.is(typeof done.fields['duration_ms'], 'number');
  t.is(done.fields['output'], ['line 21', 'line 22', 'line 23', 'line 24', 'line 25', 'line 26', 'line 27', 'line 28', 'line 29', 'oops'].join('\n'));
});

test('a string runs through /bin/sh -c, a list runs as it is (no shell); on_up and on_down by the verdict', async (t) => {
  const { dir, records, runner } = await setup(t);
  const out = path.join(dir, 'out.txt');
  const action = runner({ on_up: ['/bin/sh', '-c', `echo "up $0" >> ${out}`, '$HOME'], on_down: `echo "down $HOME" >> ${out}` });
  action.want(change(true, undefined));
  await waitFor(() => records.some((r) => /on_up exit 0/.test(r.message)), 20_000, 'on_up');
  action.want(change(false, true));
  await waitFor(() => records.some((r) => /on_down exit 0/.test(r.message)), 20_000, 'on_down');
  t.deepEqual((await readFile(out, 'utf8')).trim().split('\n'), ['up $HOME', `down ${process.env['HOME']}`]);
});

test('run_at_start: False skips the first verdict, and the next change runs', async (t) => {
  const { dir, records, runner } = await setup(t);
  const out = path.join(dir, 'out.txt');
  const action = runner({ on_up: `echo up >> ${out}`, on_down: `echo down >> ${out}`, run_at_start: false });
  action.want(change(false, undefined));
  t.true(records.some((r) => /not run \(run_at_start is off\)/.test(r.message)));
  action.want(change(true, false));
  await waitFor(() => records.some((r) => /on_up exit 0/.test(r.message)), 20_000, 'on_up');
  t.is(await readFile(out, 'utf8'), 'up\n');
});

test('never two runs at once: changes during a run wait, and only the latest runs after it', async (t) => {
  const { dir, records, started, runner } = await setup(t);
  const out = path.join(dir, 'out.txt');
  const release = path.join(dir, 'release');
  const action = runner({ on_up: `echo up-start >> ${out}; while [ ! -e ${release} ]; do sleep 0.02; done; echo up-end >> ${out}`, on_down: `echo down >> ${out}` });
  action.want(change(true, undefined));
  await waitFor(() => existsSync(out) && started.length === 1, 20_000, 'on_up to start');
  // down, up, down while on_up runs: down is the latest, and it differs from what ran.
  action.want(change(false, true, { reason: 'first' }));
  action.want(change(true, false));
  action.want(change(false, true, { reason: 'latest' }));
  t.is(started.length, 1, 'nothing else started while on_up runs');
  await writeFile(release, '');
  await waitFor(() => records.some((r) => /on_down exit 0/.test(r.message)), 20_000, 'on_down');
  await action.idle();
  t.deepEqual((await readFile(out, 'utf8')).trim().split('\n'), ['up-start', 'up-end', 'down']);
  t.is(started.length, 2);
  t.is(started[1]!.change.reason, 'latest');

  // A flap back to the state just run during a run changes nothing.
  await rm(release);
  action.want(change(true, false));
  await waitFor(async () => (await readFile(out, 'utf8')).endsWith('up-start\n'), 20_000, 'on_up again');
  action.want(change(false, true));
  action.want(change(true, false));
  await writeFile(release, '');
  await waitFor(() => records.filter((r) => /on_up exit 0/.test(r.message)).length === 2, 20_000, 'the second on_up');
  await action.idle();
  t.is(started.length, 3);
});

// Serial: it reads every process from /proc.
test.serial('an action that hangs past its timeout is killed with its whole group, and leaves no zombie', async (t) => {
  const { dir, client, records, started, runner, script } = await setup(t);
  const child = path.join(dir, 'child.pid');
  const file = await script('hang.sh', `sleep 600 &\necho $! > ${child}\nsleep 600`);
  const action = runner({ on_down: [file], timeout: 3 });
  const before = Date.now();
  action.want(change(false, undefined));
  await waitFor(() => records.some((r) => /on_down timed out after 3 s \(its process group killed\)/.test(r.message)), 20_000, 'the timeout');
  t.true(Date.now() - before < 15_000);
  t.true(existsSync(child), 'the script ran until killed');
  const leader = started[0]!.pid;
  await waitFor(() => aliveInGroup(leader).length === 0, 5000, 'the group to be gone');
  const grandchild = Number((await readFile(child, 'utf8')).trim());
  t.false(aliveInGroup(leader).some((p) => p.pid === grandchild));
  await waitFor(() => zombiesOf([process.pid, ...client.helperPids]).length === 0, 5000, 'no zombies');
});

test('a command that cannot start is logged, and the next change still runs', async (t) => {
  const { dir, records, runner } = await setup(t);
  const out = path.join(dir, 'out.txt');
  const action = runner({ on_down: [path.join(dir, 'missing')], on_up: `echo up > ${out}` });
  action.want(change(false, undefined));
  await waitFor(() => records.some((r) => /on_down could not be started \(ENOENT\)/.test(r.message)), 20_000, 'the failure');
  action.want(change(true, false));
  await waitFor(() => existsSync(out), 20_000, 'on_up');
  t.pass();
});
