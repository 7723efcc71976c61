import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { readToken } from '../../src/web/readToken.ts';

async function tokenFile(t: { teardown(fn: () => Promise<void>): void }, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-token-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'token');
  await writeFile(file, content, { mode: 0o600 });
  return file;
}

test('no token anywhere: undefined (open)', async (t) => {
  t.deepEqual(await readToken({}, {}), { token: undefined, from: undefined });
});

test('WEB.access_token alone', async (t) => {
  t.deepEqual(await readToken({ access_token: 'from-yaml' }, {}), { token: 'from-yaml', from: 'WEB.access_token' });
});

test('the file beats the config value; its trailing newline is dropped', async (t) => {
  const file = await tokenFile(t, 'from-file\r\n');
  t.deepEqual(await readToken({ access_token: 'from-yaml', access_token_file: file }, {}), { token: 'from-file', from: 'WEB.access_token_file' });
});

test('the environment beats both, and then the file is not even read', async (t) => {
  const env = { DEADPOOL_ACCESS_TOKEN: 'from-env' };
  t.deepEqual(await readToken({ access_token: 'from-yaml', access_token_file: '/nonexistent/token' }, env), { token: 'from-env', from: 'DEADPOOL_ACCESS_TOKEN' });
});

test('an empty environment variable counts as unset', async (t) => {
  t.deepEqual(await readToken({ access_token: 'from-yaml' }, { DEADPOOL_ACCESS_TOKEN: '' }), { token: 'from-yaml', from: 'WEB.access_token' });
});

test('a missing or empty token file is an error naming the file, never a silent fallback', async (t) => {
  const missing = await t.throwsAsync(readToken({ access_token: 'from-yaml', access_token_file: '/nonexistent/token' }, {}), { instanceOf: ConfigError });
  t.is(missing.message, 'WEB.access_token_file: cannot read the token file /nonexistent/token (ENOENT)');
  const empty = await tokenFile(t, '\n');
  const error = await t.throwsAsync(readToken({ access_token_file: empty }, {}), { instanceOf: ConfigError });
  t.is(error.message, `WEB.access_token_file: the token file ${empty} is empty`);
  const twoLines = await tokenFile(t, 'a\nb\n');
  await t.throwsAsync(readToken({ access_token_file: twoLines }, {}), { message: /more than one line/ });
});
