import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/ConfigError.ts';
import { BUNDLED_PROBES, loadConfig } from '../../src/config/loadConfig.ts';
import { ModuleLoader } from '../../src/probe-api/ModuleLoader.ts';
import { probeKit } from '../../src/probe-kit/probeKit.ts';

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
  t.deepEqual(await problemsOf('bad-period.yaml'), ['bad-period.yaml: probes.elastic.period: expected a number of seconds from 0.1 to 86400 (24 h), got "abc"']);
});

test('an unknown key is an error with a suggestion when close', async (t) => {
  const problems = await problemsOf('typo-key.yaml');
  t.true(problems.includes('typo-key.yaml: probes.elastic.moduke: unknown key (did you mean "module"?); expected one of module, isEnabled, period, query, success_criteria, fall, rise, categories, group, severity, business_impact, technical_summary, panic_guide'), problems.join('\n'));
  t.true(problems.includes('typo-key.yaml: probes.elastic.module: missing: the probe module to run, e.g. url_probe'), problems.join('\n'));
});

test('every error of a file is reported at once', async (t) => {
  t.deepEqual((await problemsOf('many-errors.yaml')).sort(), [
    'many-errors.yaml: Generic.log.level: expected one of "debug", "info", "warning", "error", "critical", "fatal", got "verbose"',
    'many-errors.yaml: WEB.base_url: expected a path starting with "/", got "health"',
    'many-errors.yaml: WEB.port: expected a port number (1-65535), got 99999',
    'many-errors.yaml: WatchMan.probe_status_foldr: unknown key (did you mean "probe_status_folder"?); expected one of probe_status_folder, modules_folder, stale_grace, services_folder, services_period, services_timeout, script_types, notifiers_folder',
    'many-errors.yaml: probes.../evil.query: missing, expected a map with at least url',
    'many-errors.yaml: probes.../evil: bad name, expected a name of letters, digits, "_", "." or "-", not starting with "."',
    'many-errors.yaml: probes.elastic.fall: expected a whole number ≥ 1, got 0',
    'many-errors.yaml: probes.elastic.isEnabled: expected True or False, got "yes"',
    'many-errors.yaml: probes.elastic.period: expected a number of seconds from 0.1 to 86400 (24 h), got -1',
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
    'bad-criterion.yaml: probes.elastic.success_criteria.body.type: url_probe has no criterion "re_serch" (did you mean "re_search"?); expected one of re_search, status_in, pass, json, max_response_ms',
  ]);
});

test('a module that fails to load or has the wrong shape is a config error naming its file', async (t) => {
  const problems = await problemsOf('broken-modules.yaml');
  const modules = path.join(fixtures, '..', 'modules');
  t.is(problems.length, 2, problems.join('\n'));
  t.is(problems[1], `broken-modules.yaml: probes.load.module: ${path.join(modules, 'load_error.ts')}: failed to load: this module cannot load (at line 1, column 7)`);
  t.is(problems[0], `broken-modules.yaml: probes.shape.module: ${path.join(modules, 'broken_shape.ts')}: not a probe module: criteria must be a list of strings; validate must be a function; check must be a function`);
});

test("the original DeadPool's own config: schema and module problems are reported together, in one run", async (t) => {
  const problems = await problemsOf('original.yaml');
  t.deepEqual(problems, [
    'original.yaml: probes.mssql.module: missing: the probe module to run, e.g. url_probe',
    'original.yaml: probes.mssql.moduke: unknown key (did you mean "module"?); expected one of module, isEnabled, period, query, success_criteria, fall, rise, categories, group, severity, business_impact, technical_summary, panic_guide',
  ]);
});

test("the original DeadPool's own config with its moduke typo fixed: FinDB (mssql_probe) validates as written", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-original-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const original = await readFile(path.join(fixtures, 'original.yaml'), 'utf8');
  // The key fixed, the module name as misspelled: the one problem left names the module it meant.
  await writeFile(path.join(dir, 'key-fixed.yaml'), original.replace('moduke: msmsql_probe', 'module: msmsql_probe'));
  t.deepEqual(await loadConfig('key-fixed.yaml', { cwd: dir }).then(() => [], (e: ConfigError) => e.problems), [
    `key-fixed.yaml: probes.mssql.module: no probe module "msmsql_probe" in ${path.join(fixtures, '..', '..', '..', 'probes')}/ (did you mean "mssql_probe"?)`,
  ]);
  // Without that entry (it has no query: it never ran in the original either), the config loads.
  await writeFile(path.join(dir, 'fixed.yaml'), original.replace(/\n  mssql:\n(    .*\n)+/, '\n'));
  const { probes, config } = await loadConfig('fixed.yaml', { cwd: dir });
  t.deepEqual(Object.keys(config.probes), ['FinDB', 'elastic']);
  const [finDb] = probes;
  t.is(finDb?.name, 'FinDB');
  t.is(finDb?.module.name, 'mssql_probe');
  t.is(finDb?.timeoutMs, 5000);
  t.like(finDb?.options, { query: { server: '10.0.0.5', user: 'deadpool', db_name: 'master', port: 1433 }, criteria: [{ type: 'exists', label: 'db', query: { name: 'master', state: 1 } }] });
});

test('a disabled probe is checked against the schema, but its missing module or bad options are warnings: it never runs', async (t) => {
  const { probes, warnings, config } = await loadConfig('disabled-broken.yaml', { cwd: fixtures });
  t.deepEqual(Object.keys(config.probes), ['FinDB', 'elastic', 'web']);
  t.deepEqual(probes.map((p) => p.name), ['web']);
  t.is(warnings.length, 3, warnings.join('\n'));
  t.is(warnings[0], 'disabled-broken.yaml: probes.FinDB.query.user: missing, expected a user name (probes.FinDB is disabled, so it never runs: a warning, not an error)');
  t.true(warnings.some((w) => w.startsWith('disabled-broken.yaml: probes.elastic.query.timout: unknown key (did you mean "timeout"?)')), warnings.join('\n'));
  t.true(warnings.some((w) => w.startsWith('disabled-broken.yaml: probes.elastic.query.url: expected an http(s) URL, got "ftp://nowhere"')), warnings.join('\n'));
  // The schema still applies to a disabled probe: the misspelled isEnabled-off entry of many-errors.yaml is an error.
  t.true((await problemsOf('typo-key.yaml')).some((p) => p.includes('moduke')));
});

test('period and timeout have bounds no timer can overflow, named in the message', async (t) => {
  t.deepEqual(await problemsOf('bounds.yaml'), [
    'bounds.yaml: probes.slow.period: expected a number of seconds from 0.1 to 86400 (24 h), got 1000000000000',
    'bounds.yaml: probes.fast.period: expected a number of seconds from 0.1 to 86400 (24 h), got 0.001',
    'bounds.yaml: probes.slow.query.timeout: expected a number of seconds from 0.001 to 3600 (1 h), got 3000000',
  ]);
});

test('module names: a missing module key, an extension, a close name and a modules_folder that does not exist', async (t) => {
  const problems = await problemsOf('module-names.yaml');
  const bundled = `${path.join(fixtures, '..', '..', '..', 'probes')}/`;
  const folders = `${path.join(fixtures, 'no-such-modules')} or ${bundled}`;
  t.deepEqual(problems, [
    'module-names.yaml: probes.nomodule.module: missing: the probe module to run, e.g. url_probe',
    `module-names.yaml: WatchMan.modules_folder: no such folder: ${path.join(fixtures, 'no-such-modules')}`,
    `module-names.yaml: probes.withext.module: no probe module "url_probe.ts" in ${folders}; did you mean "url_probe"? (a module is named without its file's extension)`,
    `module-names.yaml: probes.typo.module: no probe module "url_prob" in ${folders} (did you mean "url_probe"?)`,
  ]);
});

test('a file of comments only is empty, like an empty one', async (t) => {
  t.deepEqual(await problemsOf('comments-only.yaml'), ['comments-only.yaml: the file is empty; expected a map with Generic, WEB, WatchMan and probes']);
});

test("a module load error keeps the loader's whole message: file, line and column", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-syntax-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'broken.ts'), "export default {\n  name: 'broken',\n  validate() { return 1 }\n  check: 2,\n};\n");
  await writeFile(path.join(dir, 'config.yaml'), 'WatchMan: { modules_folder: . }\nprobes:\n  b: { module: broken }\n');
  const error = await loadConfig(path.join(dir, 'config.yaml')).catch((e: unknown) => e);
  t.true(error instanceof ConfigError);
  const file = path.join(dir, 'broken.ts');
  t.deepEqual((error as ConfigError).problems, [
    `${path.join(dir, 'config.yaml')}: probes.b.module: ${file}: failed to load: Transform failed with 1 error: ${file}:4:2: ERROR: Expected "}" but found "check"`,
  ]);
});

test('each module is looked up and imported once per load, however many probes use it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-load-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  const probes = Array.from({ length: 50 }, (_, i) => `  p${i}: { module: ${i % 2 ? 'tcp_probe' : 'url_probe'}, query: { ${i % 2 ? 'host: 127.0.0.1, port: 9' : "url: 'http://127.0.0.1:9/'"} } }\n`);
  await writeFile(file, `WEB: { port: 9001 }\nprobes:\n${probes.join('')}  bad: { module: nope_probe, query: {} }\n  bad2: { module: nope_probe, query: {} }\n`);
  const calls = { find: 0, load: 0 };
  class CountingLoader extends ModuleLoader {
    override find(name: string) {
      calls.find++;
      return super.find(name);
    }
    override load(found: string) {
      calls.load++;
      return super.load(found);
    }
  }
  const loader = new CountingLoader([BUNDLED_PROBES], probeKit);
  const error = await t.throwsAsync(loadConfig(file, { modules: loader }), { instanceOf: ConfigError });
  // Both probes of the missing module are named, each with the same message.
  t.is(error.problems.filter((line) => /probes\.bad2?\.module: no probe module "nope_probe"/.test(line)).length, 2);
  // url_probe, tcp_probe and nope_probe: one look-up each (plus the suggestion's own look-up for nope_probe); two imports.
  t.true(calls.find <= 4, `find called ${calls.find} times`);
  t.is(calls.load, 2);
});
