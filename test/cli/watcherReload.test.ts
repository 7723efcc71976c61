import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool } from '../helpers/deadpoolProcess.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { waitFor } from '../helpers/waitFor.ts';

/**
 * Reloads take about 0.1 s (logged below; the 2 s target is the issue's). The bound is wider so a
 * loaded CI machine does not fail the test on timing alone; what is asserted is the behaviour.
 */
const RELOAD_BOUND_MS = 5000;

const probe = (name: string, url: string, extra = '') => `  ${name}:\n    module: url_probe\n    period: 0.2\n    query: { url: '${url}', timeout: 0.5 }${extra}\n`;

test('the watcher follows config.yaml edits and SIGHUP: probes added and removed within 2 s, an invalid edit keeps the last good config', async (t) => {
  const bad = await startToggleBackend();
  bad.setHealthy(false);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-reload-'));
  t.teardown(async () => {
    await bad.close();
    await rm(dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'config.yaml');
  const flag = (name: string) => path.join(dir, 'probe-status', `${name}.dead`);
  await writeFile(file, `probes:\n${probe('one', bad.url)}`);
  const watcher = startDeadpool(['watcher', '-c', file]);
  t.teardown(() => {
    watcher.child.kill('SIGKILL');
  });
  await waitFor(() => existsSync(flag('one')), 15_000, 'the first flag');
  // Checks start before config.yaml is watched: an edit before this line is logged would be missed.
  await waitFor(() => watcher.stdout.includes('watching 1 enabled probe'), 15_000, 'the config watch to be in place');

  await writeFile(file, `probes:\n${probe('one', bad.url)}${probe('two', bad.url)}`);
  let since = Date.now();
  await waitFor(() => existsSync(flag('two')), RELOAD_BOUND_MS, 'the added probe to be flagged');
  t.log(`added probe flagged after ${Date.now() - since} ms`);

  await writeFile(file, `probes:\n${probe('two', bad.url)}`);
  since = Date.now();
  await waitFor(() => !existsSync(flag('one')), RELOAD_BOUND_MS, 'the removed probe to lose its flag');
  t.log(`removed probe unflagged after ${Date.now() - since} ms`);

  await writeFile(file, `probes:\n${probe('two', bad.url, "\n    period: abc")}`);
  // The summary and each problem are separate records, so they may reach the pipe in separate chunks.
  const problem = /config\.yaml: line \d+, column \d+: YAML syntax error: duplicated mapping key/;
  await waitFor(() => problem.test(watcher.stdout), RELOAD_BOUND_MS, 'the invalid edit to be logged with its problem');
  t.true(watcher.stdout.includes('config not reloaded, the last good one keeps running: 1 problem(s)'));
  t.true(existsSync(flag('two')), 'the last good config keeps running');

  await writeFile(file, `probes:\n${probe('two', bad.url, "\n    isEnabled: False")}`);
  await waitFor(() => !existsSync(flag('two')), RELOAD_BOUND_MS, 'the disabled probe to lose its flag');

  // SIGHUP reloads too (here the file is unchanged: nothing must break).
  const reloads = watcher.stdout.split('config reloaded').length;
  watcher.child.kill('SIGHUP');
  await waitFor(() => watcher.stdout.split('config reloaded').length > reloads, RELOAD_BOUND_MS, 'the SIGHUP reload');
  t.is(watcher.child.exitCode, null);
});
