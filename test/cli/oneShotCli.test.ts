import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runDeadpool } from '../helpers/deadpoolProcess.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';

async function fixture(t: { teardown(fn: () => Promise<void>): void }) {
  const good = await startToggleBackend();
  const bad = await startToggleBackend();
  bad.setHealthy(false);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-oneshot-'));
  t.teardown(async () => {
    await Promise.all([good.close(), bad.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    await writeFile(path.join(dir, name), text);
    return path.join(dir, name);
  };
  return { good, bad, dir, write };
}

test('check prints a table and exits 0 when every enabled probe passes, 1 when one fails; --json for machines', async (t) => {
  const { good, bad, write } = await fixture(t);
  const allGood = await write('good.yaml', `probes:\n  web:\n    module: url_probe\n    query: { url: '${good.url}' }\n  off:\n    module: url_probe\n    isEnabled: False\n    query: { url: '${bad.url}' }\n`);
  const ok = await runDeadpool(['check', '-c', allGood]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /^PROBE +MODULE +RESULT +DURATION +REASON\nweb +url_probe +PASS +\d+ ms +/);
  t.notRegex(ok.stdout, /off/);

  const mixed = await write('mixed.yaml', `probes:\n  web:\n    module: url_probe\n    query: { url: '${good.url}' }\n  elastic:\n    module: url_probe\n    query: { url: '${bad.url}' }\n    success_criteria:\n      status: { type: status_in, query: [200] }\n`);
  const failed = await runDeadpool(['check', '-c', mixed]);
  t.is(failed.code, 1);
  t.regex(failed.stdout, /elastic +url_probe +FAIL +\d+ ms +status 500 not in \[200\]/);

  const json = await runDeadpool(['check', '--json', '-c', mixed]);
  t.is(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { ok: boolean; probes: { probe: string; ok: boolean; reason: string }[] };
  t.false(parsed.ok);
  t.deepEqual(
    parsed.probes.map(({ probe, ok: passed, reason }) => ({ probe, ok: passed, reason: passed ? '' : reason })),
    [
      { probe: 'web', ok: true, reason: '' },
      { probe: 'elastic', ok: false, reason: 'status 500 not in [200]' },
    ],
  );
});

test('validate prints a one-line summary, or every error with exit 2 and no stack trace', async (t) => {
  const { good, write, dir } = await fixture(t);
  const file = await write('config.yaml', `probes:\n  a:\n    module: url_probe\n    query: { url: '${good.url}' }\n  b:\n    module: url_probe\n    isEnabled: False\n    query: { url: '${good.url}' }\n`);
  const ok = await runDeadpool(['validate'], { cwd: dir });
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'config.yaml: 2 probes, 1 enabled\n');

  const viaEnv = await runDeadpool(['validate'], { env: { DEADPOOL_CONFIG: file } });
  t.is(viaEnv.code, 0, viaEnv.stderr);

  await write('bad.yaml', `probes:\n  a:\n    module: url_probe\n    period: abc\n    query: { url: 'ftp://x', query_typ: get }\n`);
  const bad = await runDeadpool(['validate', '-c', 'bad.yaml'], { cwd: dir });
  t.is(bad.code, 2);
  t.is(bad.stdout, '');
  const lines = bad.stderr.trim().split('\n');
  t.true(lines.includes('bad.yaml: probes.a.period: expected a number of seconds from 0.1 to 86400 (24 h), got "abc"'), bad.stderr);
  t.true(lines.length >= 1);
  t.notRegex(bad.stderr, /\n\s+at /, 'no stack trace');

  for (const command of ['check', 'watcher']) {
    const run = await runDeadpool([command, '-c', 'bad.yaml'], { cwd: dir });
    t.is(run.code, 2, `${command} exits 2 on a config error`);
    t.regex(run.stderr, /^bad\.yaml: probes\.a\.period: /m);
  }
  const missing = await runDeadpool(['validate', '-c', 'nope.yaml'], { cwd: dir });
  t.is(missing.code, 2);
  t.is(missing.stderr, `nope.yaml: no such file (looked for ${path.join(dir, 'nope.yaml')})\n`);
});

test('every command has --help; an unknown command is a usage error (exit 2)', async (t) => {
  for (const command of ['watcher', 'check', 'validate']) {
    const help = await runDeadpool([command, '--help']);
    t.is(help.code, 0);
    t.regex(help.stdout, new RegExp(`^Usage: deadpool ${command}`));
  }
  const unknown = await runDeadpool(['frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command 'frobnicate'/);
});

test('validate: a missing or empty access_token_file is an error; problems of disabled probes are warnings with exit 0', async (t) => {
  const { good, write, dir } = await fixture(t);
  const probes = `probes:\n  a:\n    module: url_probe\n    query: { url: '${good.url}' }\n  off:\n    module: oracle_probe\n    isEnabled: False\n`;
  const folder = `WatchMan: { probe_status_folder: '${path.join(dir, 'flags')}' }\n`;
  const missing = await write('missing.yaml', `WEB: { access_token_file: token.txt }\n${folder}${probes}`);
  const noToken = await runDeadpool(['validate', '-c', missing], { env: { DEADPOOL_ACCESS_TOKEN: '' } });
  t.is(noToken.code, 2);
  t.is(noToken.stderr, `${missing}: WEB.access_token_file: cannot read the token file ${path.join(dir, 'token.txt')} (ENOENT)\n`);

  await write('token.txt', '\n');
  const empty = await runDeadpool(['validate', '-c', missing], { env: { DEADPOOL_ACCESS_TOKEN: '' } });
  t.is(empty.code, 2);
  t.is(empty.stderr, `${missing}: WEB.access_token_file: the token file ${path.join(dir, 'token.txt')} is empty\n`);

  await write('token.txt', 's3cret-token\n');
  const fine = await runDeadpool(['validate', '-c', missing], { env: { DEADPOOL_ACCESS_TOKEN: '' } });
  t.is(fine.code, 0, fine.stderr);
  t.is(fine.stdout, `${missing}: 2 probes, 1 enabled, 1 warning\n`);
  t.regex(fine.stderr, /^warning: .*missing\.yaml: probes\.off\.module: no probe module "oracle_probe" in .* \(probes\.off is disabled, so it never runs: a warning, not an error\)\n$/);
  t.notRegex(fine.stdout + fine.stderr, /s3cret-token/);
});

test('--version (and -V) prints the version of package.json and exits 0', async (t) => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = await runDeadpool([flag]);
    t.is(result.code, 0, flag);
    t.is(result.stdout, `deadpool ${version}\n`, flag);
    t.is(result.stderr, '', flag);
  }
});
