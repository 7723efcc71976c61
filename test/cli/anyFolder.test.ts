import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/reachableRepo.ts';

/**
 * `git clone` into `mktemp -d` (mode 700) or /root puts the repo where `nobody`, whom the suite
 * runs DeadPool as under root, cannot go. This copies the repo (hard links) into such a folder and
 * has the copy's own test helpers run a real check there, as the copy's tests would.
 */
test('the test helpers run DeadPool from a clone in a folder only its owner can enter', async (t) => {
  const outer = await mkdtemp(path.join(os.tmpdir(), 'deadpool-private-'));
  t.teardown(() => rm(outer, { recursive: true, force: true }));
  t.is((await stat(outer)).mode & 0o777, 0o700);
  const clone = path.join(outer, 'p');
  execFileSync('cp', ['-al', REPO, clone]);
  const work = await mkdtemp(path.join(os.tmpdir(), 'deadpool-private-config-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  await chmod(work, 0o755);
  const config = path.join(work, 'config.yaml');
  // A closed port: the check fails, but only after url_probe was imported through tsx (which spawns esbuild).
  await writeFile(config, `probes:\n  closed:\n    module: url_probe\n    query: { url: 'http://127.0.0.1:9/', timeout: 2 }\n`);
  const script = `
    import { runDeadpool, unprivileged } from './test/helpers/deadpoolProcess.ts';
    const user = unprivileged();
    const result = await runDeadpool(['check', '--json', '-c', ${JSON.stringify(config)}], user ? { user } : {});
    process.stdout.write(JSON.stringify(result));
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: clone, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(code, 0);
  const result = JSON.parse(out) as { code: number; stdout: string; stderr: string };
  t.is(result.code, 1, result.stderr);
  const report = JSON.parse(result.stdout) as { probes: { probe: string; ok: boolean; reason: string }[] };
  t.deepEqual(report.probes.map(({ probe, ok, reason }) => ({ probe, ok, reason })), [{ probe: 'closed', ok: false, reason: 'ECONNREFUSED 127.0.0.1:9' }]);
});
