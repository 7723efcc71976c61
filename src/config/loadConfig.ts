import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, YAMLException } from 'js-yaml';
import { ModuleLoader, ModuleLoadError } from '../probe-api/ModuleLoader.ts';
import type { RawCriterion } from '../probe-api/types.ts';
import { ConfigError, keyPath } from './ConfigError.ts';
import { expectation, formatIssues } from './formatIssues.ts';
import type { ProbeSpec } from './ProbeSpec.ts';
import { configSchema, type Config, type ProbeConfig } from './schema.ts';
import { didYouMean } from '../probe-api/suggest.ts';

/** The project's own `probes/` folder: bundled modules, searched after `WatchMan.modules_folder`. */
export const BUNDLED_PROBES = fileURLToPath(new URL('../../probes/', import.meta.url));

export interface LoadedConfig {
  /** Absolute path of config.yaml. */
  file: string;
  /** The file as named in messages (relative to the working directory when inside it). */
  label: string;
  /** Validated, with defaults filled in and every path made absolute against the config's folder. */
  config: Config;
  /** Every probe, enabled or not, in file order. */
  probes: ProbeSpec[];
  /** The loader that imported the modules: reuse it on reload so unchanged modules are not imported again. */
  modules: ModuleLoader;
}

export interface LoadOptions {
  /** Reused across reloads so unchanged modules are not imported again. */
  modules?: ModuleLoader;
  cwd?: string;
}

export function labelFor(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Reads, parses and validates config.yaml and the modules it names; throws ConfigError listing every problem. */
export async function loadConfig(configFile: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(cwd, configFile);
  const label = labelFor(file, cwd);
  const fail = (lines: string[]): never => {
    throw new ConfigError(lines.map((line) => `${label}: ${line}`));
  };

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail([code === 'ENOENT' ? `no such file (looked for ${file})` : `cannot read ${file} (${code ?? String(error)})`]);
  }
  const document = parseYaml(text, fail);
  const parsed = configSchema.safeParse(document, { reportInput: true, error: (issue) => expectation(issue) });
  if (!parsed.success) return fail(formatIssues(parsed.error.issues, configSchema));

  const dir = path.dirname(file);
  const config = resolvePaths(parsed.data, dir);
  const modules = options.modules ?? new ModuleLoader(moduleFolders(config));
  const problems: string[] = [];
  const probes: ProbeSpec[] = [];
  for (const [name, probe] of Object.entries(config.probes)) {
    const spec = await resolveProbe(name, probe, modules, problems);
    if (spec) probes.push(spec);
  }
  if (problems.length > 0) fail(problems);
  return { file, label, config, probes, modules };
}

function parseYaml(text: string, fail: (lines: string[]) => never): unknown {
  if (text.trim() === '') return fail(['the file is empty; expected a map with Generic, WEB, WatchMan and probes']);
  try {
    return load(text);
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `line ${error.mark.line + 1}, column ${error.mark.column + 1}: ` : '';
      return fail([`${where}YAML syntax error: ${error.reason}`]);
    }
    throw error;
  }
}

function resolvePaths(config: Config, dir: string): Config {
  const { WatchMan, WEB } = config;
  return {
    ...config,
    WatchMan: {
      ...WatchMan,
      probe_status_folder: path.resolve(dir, WatchMan.probe_status_folder),
      ...(WatchMan.modules_folder === undefined ? {} : { modules_folder: path.resolve(dir, WatchMan.modules_folder) }),
    },
    WEB: {
      ...WEB,
      ...(WEB.access_token_file === undefined ? {} : { access_token_file: path.resolve(dir, WEB.access_token_file) }),
    },
  };
}

export function moduleFolders(config: Config): string[] {
  const folder = config.WatchMan.modules_folder;
  return folder === undefined ? [BUNDLED_PROBES] : [folder, BUNDLED_PROBES];
}

async function resolveProbe(name: string, probe: ProbeConfig, modules: ModuleLoader, problems: string[]): Promise<ProbeSpec | undefined> {
  const at = (...p: (string | number)[]) => keyPath(['probes', name, ...p]);
  const moduleFile = await modules.find(probe.module);
  if (moduleFile === undefined) {
    problems.push(`${at('module')}: no probe module "${probe.module}" in ${modules.folders.join(' or ')}`);
    return undefined;
  }
  let module;
  try {
    module = await modules.load(moduleFile);
  } catch (error) {
    problems.push(`${at('module')}: ${error instanceof ModuleLoadError ? error.message : String(error)}`);
    return undefined;
  }
  const before = problems.length;
  const criteria = probe.success_criteria as Record<string, RawCriterion>;
  for (const [label, criterion] of Object.entries(criteria)) {
    if (!module.criteria.includes(criterion.type)) {
      problems.push(
        `${at('success_criteria', label, 'type')}: ${probe.module} has no criterion "${criterion.type}"${didYouMean(criterion.type, module.criteria)}; expected one of ${module.criteria.join(', ')}`,
      );
    }
  }
  let validation;
  try {
    validation = module.validate({ query: probe.query, success_criteria: criteria });
  } catch (error) {
    problems.push(`${at('module')}: ${moduleFile}: validate() threw: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (!validation.ok) {
    for (const issue of validation.issues) problems.push(`${at(...issue.path)}: ${issue.message}`);
    return undefined;
  }
  if (!(typeof validation.timeout === 'number' && validation.timeout > 0 && Number.isFinite(validation.timeout))) {
    problems.push(`${at('module')}: ${moduleFile}: validate() returned timeout ${String(validation.timeout)}, expected a positive number of seconds`);
    return undefined;
  }
  if (problems.length > before) return undefined;
  return {
    name,
    moduleName: probe.module,
    moduleFile,
    module,
    options: validation.options,
    enabled: probe.isEnabled,
    periodMs: probe.period * 1000,
    timeoutMs: validation.timeout * 1000,
    fall: probe.fall,
    rise: probe.rise,
    fingerprint: JSON.stringify(probe),
  };
}
