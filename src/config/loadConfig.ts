import { fileURLToPath } from 'node:url';
import { ModuleLoader, ModuleLoadError } from '../probe-api/ModuleLoader.ts';
import type { RawCriterion } from '../probe-api/types.ts';
import { ConfigError, keyPath } from './ConfigError.ts';
import type { ProbeSpec } from './ProbeSpec.ts';
import { readConfig, type ConfigFile } from './readConfig.ts';
import type { Config, ProbeConfig } from './schema.ts';
import { didYouMean } from '../probe-api/suggest.ts';

/** The project's own `probes/` folder: bundled modules, searched after `WatchMan.modules_folder`. */
export const BUNDLED_PROBES = fileURLToPath(new URL('../../probes/', import.meta.url));

export interface LoadedConfig extends ConfigFile {
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

/** Reads, parses and validates config.yaml and the modules it names; throws ConfigError listing every problem. */
export async function loadConfig(configFile: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const read = await readConfig(configFile, options);
  const modules = options.modules ?? new ModuleLoader(moduleFolders(read.config));
  const problems: string[] = [];
  const probes: ProbeSpec[] = [];
  for (const [name, probe] of Object.entries(read.config.probes)) {
    const spec = await resolveProbe(name, probe, modules, problems);
    if (spec) probes.push(spec);
  }
  if (problems.length > 0) throw new ConfigError(problems.map((line) => `${read.label}: ${line}`));
  return { ...read, probes, modules };
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
