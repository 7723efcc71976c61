import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';

const fixtures = fileURLToPath(new URL('../fixtures/config/', import.meta.url));

async function problemsOf(name: string): Promise<string[]> {
  const error = await loadConfig(name, { cwd: fixtures }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError for ${name}, got ${String(error)}`);
  return error.problems;
}

test('the seed example config loads unchanged, with its values and defaults', async (t) => {
  const { config, probes } = await loadConfig('seed.yaml', { cwd: fixtures });
  t.is(config.Generic.log.type, 'gelf');
  t.is(config.Generic.log.level, 'debug');
  t.is(config.Generic.log.protocol, 'udp');
  t.is(config.WEB.port, 9001);
  t.is(config.WEB.name, 'TEST SERVER');
  t.is(config.WatchMan.probe_status_folder, path.join(fixtures, 'probe'));
  t.is(probes.length, 1);
  const [elastic] = probes;
  t.is(elastic?.name, 'elastic');
  t.is(elastic?.enabled, true);
  t.is(elastic?.periodMs, 3000);
  t.is(elastic?.timeoutMs, 2000);
  t.is(elastic?.fall, 1);
  t.is(elastic?.rise, 1);
});

test('a wrong type names the file, the key path, what was expected and what was found', async (t) => {
  t.deepEqual(await problemsOf('bad-period.yaml'), ['bad-period.yaml: probes.elastic.period: expected a positive number of seconds, got "abc"']);
});

test('an unknown key is an error with a suggestion when close', async (t) => {
  const problems = await problemsOf('typo-key.yaml');
  t.true(problems.includes('typo-key.yaml: probes.elastic.moduke: unknown key (did you mean "module"?); expected one of module, isEnabled, period, query, success_criteria, fall, rise'), problems.join('\n'));
  t.true(problems.includes('typo-key.yaml: probes.elastic.module: missing, expected a name of letters, digits, "_", "." or "-", not starting with "."'), problems.join('\n'));
});

test('every error of a file is reported at once', async (t) => {
  t.deepEqual((await problemsOf('many-errors.yaml')).sort(), [
    'many-errors.yaml: Generic.log.level: expected one of "debug", "info", "warning", "error", "critical", "fatal", got "verbose"',
    'many-errors.yaml: WEB.base_url: expected a path starting with "/", got "health"',
    'many-errors.yaml: WEB.port: expected a port number (1-65535), got 99999',
    'many-errors.yaml: WatchMan.probe_status_foldr: unknown key (did you mean "probe_status_folder"?); expected one of probe_status_folder, modules_folder, stale_grace',
    'many-errors.yaml: probes.../evil: bad name, expected a name of letters, digits, "_", "." or "-", not starting with "."',
    'many-errors.yaml: probes.elastic.fall: expected a whole number ≥ 1, got 0',
    'many-errors.yaml: probes.elastic.isEnabled: expected True or False, got "yes"',
    'many-errors.yaml: probes.elastic.period: expected a positive number of seconds, got -1',
  ]);
});

test('a YAML syntax error gives line and column', async (t) => {
  const [problem] = await problemsOf('syntax.yaml');
  t.regex(problem ?? '', /^syntax\.yaml: line 4, column 4: YAML syntax error: /);
});

test('an empty file, a non-map document and a missing file are named', async (t) => {
  t.deepEqual(await problemsOf('empty.yaml'), ['empty.yaml: the file is empty; expected a map with Generic, WEB, WatchMan and probes']);
  t.deepEqual(await problemsOf('not-a-map.yaml'), ['not-a-map.yaml: (top level): expected a map, got a list']);
  t.deepEqual(await problemsOf('nope.yaml'), [`nope.yaml: no such file (looked for ${path.join(fixtures, 'nope.yaml')})`]);
});

test('an unknown module and an unknown criterion type are config errors with suggestions', async (t) => {
  const [missing] = await problemsOf('unknown-module.yaml');
  t.regex(missing ?? '', /^unknown-module\.yaml: probes\.db\.module: no probe module "mssql_prob" in .*probes/);
  t.deepEqual(await problemsOf('bad-criterion.yaml'), [
    'bad-criterion.yaml: probes.elastic.success_criteria.body.type: url_probe has no criterion "re_serch" (did you mean "re_search"?); expected one of re_search, status_in, pass',
  ]);
});

test('a module that fails to load or has the wrong shape is a config error naming its file', async (t) => {
  const problems = await problemsOf('broken-modules.yaml');
  const modules = path.join(fixtures, '..', 'modules');
  t.is(problems.length, 2, problems.join('\n'));
  t.is(problems[0], `broken-modules.yaml: probes.shape.module: ${path.join(modules, 'broken_shape.ts')}: not a probe module: criteria must be a list of strings; validate must be a function; check must be a function`);
  t.is(problems[1], `broken-modules.yaml: probes.load.module: ${path.join(modules, 'load_error.ts')}: failed to load: this module cannot load`);
});
