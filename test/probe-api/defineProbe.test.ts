import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import { defineProbe } from '../../src/probe-api/defineProbe.ts';
import { secret } from '../../src/probe-api/secret.ts';
import { host, noQuery, port, timeoutSeconds } from '../../src/probe-kit/options.ts';

const probe = defineProbe({
  name: 'demo_probe',
  query: z.strictObject({ host, port, timeout: timeoutSeconds(3), password: secret(z.string({ error: 'expected a password' }).min(8, { error: 'expected a password of 8 characters or more' })).optional() }),
  criteria: { pass: noQuery, banner: z.string({ error: 'expected a text to find' }) },
  timeout: (query) => query.timeout,
  check: async ({ options }) => ({ ok: true, reason: `${options.query.host}:${options.query.port} with ${options.criteria.length} criteria` }),
});

test('options as data: every problem of the query and the criteria at once, in config-error wording', (t) => {
  const result = probe.validate({
    query: { host: 'db', port: 'x', timeot: 2, password: 'hunter2' },
    success_criteria: { greeting: { type: 'banner', query: 42 }, ok: { type: 'pass' } },
  });
  t.deepEqual(result, {
    ok: false,
    issues: [
      { path: ['query', 'port'], message: 'expected a port number (1-65535), got "x"' },
      { path: ['query', 'password'], message: 'expected a password of 8 characters or more (the value is a secret: not shown)' },
      { path: ['query', 'timeot'], message: 'unknown key (did you mean "timeout"?); expected one of host, port, timeout, password' },
      { path: ['success_criteria', 'greeting', 'query'], message: 'expected a text to find, got 42' },
    ],
  });
  t.notRegex(JSON.stringify(result), /hunter2/);
});

test('valid options come back typed, with defaults, the criteria labelled, and the deadline from the query', async (t) => {
  const result = probe.validate({ query: { host: 'db', port: 5432 }, success_criteria: { greeting: { type: 'banner', query: 'PostgreSQL' } } });
  t.deepEqual(result, {
    ok: true,
    timeout: 3,
    options: { query: { host: 'db', port: 5432, timeout: 3 }, criteria: [{ type: 'banner', label: 'greeting', query: 'PostgreSQL' }] },
  });
  t.deepEqual(probe.criteria, ['pass', 'banner']);
  if (!result.ok) return;
  t.deepEqual(await probe.check({ probe: 'p', options: result.options, signal: new AbortController().signal, timeoutMs: 3000, log: silentLogger }), { ok: true, reason: 'db:5432 with 1 criteria' });
});

test('a module in an outside folder declares its schema through the kit the loader hands its factory; its problems read like any config error', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-kit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    path.join(dir, 'outside_probe.mjs'),
    `export default (kit) => kit.defineProbe({
  name: 'outside_probe',
  query: kit.z.strictObject({ host: kit.options.host, port: kit.options.port, timeout: kit.options.timeoutSeconds(2), token: kit.secret(kit.z.string().min(4, { error: 'expected a token' })) }),
  criteria: { pass: kit.options.noQuery },
  timeout: (query) => query.timeout,
  check: async ({ options }) => ({ ok: false, reason: kit.networkReason({ code: 'ECONNREFUSED' }, kit.hostPort(options.query.host, options.query.port)) }),
});
`,
  );
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, `WatchMan: { modules_folder: . }\nprobes:\n  db:\n    module: outside_probe\n    query: { host: db, port: "x", token: ab, colour: red }\n`);
  const error = await loadConfig(config).catch((e: unknown) => e);
  t.true(error instanceof ConfigError);
  t.deepEqual((error as ConfigError).problems, [
    `${config}: probes.db.query.port: expected a port number (1-65535), got "x"`,
    `${config}: probes.db.query.token: expected a token (the value is a secret: not shown)`,
    `${config}: probes.db.query.colour: unknown key; expected one of host, port, timeout, token`,
  ]);
  await writeFile(config, `WatchMan: { modules_folder: . }\nprobes:\n  db:\n    module: outside_probe\n    query: { host: 10.0.0.5, port: 5432, token: abcd }\n`);
  const { probes } = await loadConfig(config);
  const [spec] = probes;
  t.is(spec?.timeoutMs, 2000);
  t.deepEqual(await spec?.module.check({ probe: 'db', options: spec.options, signal: new AbortController().signal, timeoutMs: 2000, log: silentLogger }), { ok: false, reason: 'ECONNREFUSED 10.0.0.5:5432' });
});
