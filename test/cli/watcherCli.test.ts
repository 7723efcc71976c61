import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startDeadpool } from '../helpers/deadpoolProcess.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { waitFor } from '../helpers/waitFor.ts';

test('deadpool watcher flags a real backend within period + timeout of failing, and clears it within a period of recovery; SIGTERM exits 0', async (t) => {
  const backend = await startToggleBackend();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-cli-'));
  t.teardown(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });
  const period = 0.5;
  const timeout = 0.3;
  await writeFile(
    path.join(dir, 'config.yaml'),
    `WatchMan:
  probe_status_folder: flags
probes:
  elastic:
    module: url_probe
    period: ${period}
    query: { url: '${backend.url}', timeout: ${timeout} }
    success_criteria:
      body: { type: re_search, query: 'elasticsearch+ green+' }
      status: { type: status_in, query: [200] }
`,
  );
  // Started from another folder: relative paths in the config resolve against the config's folder.
  const watcher = startDeadpool(['watcher', '-c', path.join(dir, 'config.yaml')], { cwd: os.tmpdir() });
  t.teardown(() => {
    watcher.child.kill('SIGKILL');
  });
  const flag = path.join(dir, 'flags', 'elastic.dead');
  await waitFor(() => backend.requests > 0 && existsSync(path.join(dir, 'flags')), 15_000, 'the first check');
  const checksBefore = backend.requests;
  await waitFor(() => backend.requests > checksBefore, 5000, 'a passing check');
  // Its result lands after the request (and a first check slowed past its 0.3 s deadline may have flagged it).
  await waitFor(() => !existsSync(flag), 5000, 'no flag while the backend passes');

  backend.setHealthy(false);
  const failedAt = Date.now();
  await waitFor(() => existsSync(flag), 5000, 'the flag');
  const toFlag = Date.now() - failedAt;
  t.true(toFlag <= (period + timeout) * 1000 + 300, `flag after ${toFlag} ms`);
  t.regex(await readFile(flag, 'utf8'), /^body does not match \/elasticsearch\+ green\+\/; status 500 not in \[200\]\nprobe: +elastic\n/);

  backend.setHealthy(true);
  const healedAt = Date.now();
  await waitFor(() => !existsSync(flag), 5000, 'the flag to go');
  const toClear = Date.now() - healedAt;
  t.true(toClear <= period * 1000 + 300, `flag cleared after ${toClear} ms`);
  t.log(`flag after ${toFlag} ms, cleared after ${toClear} ms (period ${period} s, timeout ${timeout} s)`);

  const stopAt = Date.now();
  watcher.child.kill('SIGTERM');
  t.is(await watcher.exited(5000), 0);
  t.true(Date.now() - stopAt < 2000, 'exits within 2 s');
  t.regex(watcher.stdout, /WARNING +watcher up → down: body does not match .*; status 500 not in \[200\] probe=elastic module=url_probe/);
  t.regex(watcher.stdout, /INFO +watcher down → up: /);
});

test('SIGINT during a hanging check still exits 0 within 2 s', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-cli-'));
  const net = await import('node:net');
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as import('node:net').AddressInfo;
  t.teardown(async () => {
    silent.close();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(path.join(dir, 'config.yaml'), `probes:\n  stuck:\n    module: url_probe\n    query: { url: 'http://127.0.0.1:${port}/', timeout: 60 }\n`);
  const watcher = startDeadpool(['watcher', '-c', path.join(dir, 'config.yaml')]);
  t.teardown(() => {
    watcher.child.kill('SIGKILL');
  });
  await waitFor(() => watcher.stdout.includes('watching 1 enabled probe'), 15_000, 'start-up');
  const stopAt = Date.now();
  watcher.child.kill('SIGINT');
  t.is(await watcher.exited(5000), 0);
  t.true(Date.now() - stopAt < 2000);
});
