import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { readConfig } from '../../src/config/readConfig.ts';
import { readConfigInWorker } from '../../src/config/readConfigInWorker.ts';

const BUNDLED = path.resolve('config.yaml');

test('the bundled config reads the same in a worker thread as in the process', async (t) => {
  t.deepEqual(await readConfigInWorker(BUNDLED), await readConfig(BUNDLED));
});

test('a config with mistakes: the same ConfigError, every problem, from the worker', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-worker-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, 'Generic: {}\nWEB: { port: seventy }\nWatchMan: { period: -1 }\nprobes: {}\n');
  const inProcess = await t.throwsAsync(readConfig(file), { instanceOf: ConfigError });
  const inWorker = await t.throwsAsync(readConfigInWorker(file), { instanceOf: ConfigError });
  t.true(inWorker.problems.length >= 2, inWorker.message);
  t.deepEqual(inWorker.problems, inProcess.problems);
});

test('a missing file, relative to the given folder, is a ConfigError naming it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-worker-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const error = await t.throwsAsync(readConfigInWorker('nope.yaml', dir), { instanceOf: ConfigError });
  t.is(error.problems.length, 1);
  t.true(error.problems[0]!.includes(path.join(dir, 'nope.yaml')), error.message);
});
