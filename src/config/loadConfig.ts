import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTimeoutSeconds, TIMEOUT_EXPECTED } from '../probe-api/bounds.ts';
import { ModuleLoader, ModuleLoadError } from '../probe-api/ModuleLoader.ts';
import type { ProbeModule, RawCriterion } from '../probe-api/types.ts';
import { ConfigError, keyPath } from './ConfigError.ts';
import type { ProbeSpec } from './ProbeSpec.ts';
import { parseConfigFile, type ConfigFile } from './readConfig.ts';
import { modulesStamp } from './folderStamps.ts';
import { criterionSchema, probeSchema, watchManSchema, type Config, type ProbeConfig } from './schema.ts';
import { didYouMean } from '../probe-api/suggest.ts';
import { probeKit } from '../probe-kit/probeKit.ts';

/** The project's own `probes/` folder: bundled modules, searched after `WatchMan.modules_folder`. */
/** probes/ beside src/ under tsx (tests), dist/probes/ beside dist/src/ once built: the modules of the code that runs. */
export const BUNDLED_PROBES = fileURLToPath(new URL('../../probes/', import.meta.url));

/** A bundled module compiled by `npm run build`: plain JavaScript of ours, imported without tsx. */
const isCompiledBundled = (file: string): boolean => path.dirname(file) + path.sep === BUNDLED_PROBES && file.endsWith('.js');

/** A module named with its file's extension (`url_probe.ts`): worth a hint, since names have none. */
const EXTENSION = /\.(ts|mts|js|mjs|cjs|py)$/;

export interface LoadedConfig extends ConfigFile {
  /** Every probe whose module loaded and accepted its options, enabled or not, in file order. */
  probes: ProbeSpec[];
  /**
   * Problems of disabled probes (a missing module, bad options): they never run, so these do not
   * stop DeadPool, but an operator who enables the probe will meet them. Each names the file.
   */
  warnings: string[];
  /** The loader that imported the modules: reuse it on reload so unchanged modules are not imported again. */
  modules: ModuleLoader;
}

export interface LoadOptions {
  /** Reused across reloads so unchanged modules are not imported again. */
  modules?: ModuleLoader;
  cwd?: string;
}

/** What resolveProbe needs of a probe entry; taken leniently from an entry the schema refused, so its module is still checked. */
interface ProbeEntry {
  module: string;
  isEnabled: boolean;
  query?: unknown;
  success_criteria: Record<string, RawCriterion>;
  period: number;
  fall: number;
  rise: number;
}

/**
 * Reads, parses and validates config.yaml and the modules it names; throws ConfigError listing
 * every problem: the schema's and the modules' together, so one run of `deadpool validate` shows
 * them all.
 */
export async function loadConfig(configFile: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const parsed = await parseConfigFile(configFile, options);
  const { config, document, label } = parsed;
  const problems = [...parsed.problems];
  const warnings: string[] = [];
  const folders = await moduleFoldersOf(config ?? lenientWatchMan(document, path.dirname(parsed.file)), problems);
  const stampOfModules = await modulesStamp(folders);
  const modules = options.modules ?? new ModuleLoader(folders, probeKit, { native: isCompiledBundled });
  const findModule = moduleFinder(modules);
  const probes: ProbeSpec[] = [];
  for (const [name, entry] of probeEntries(config, document)) {
    const own: string[] = [];
    const spec = await resolveProbe(name, entry, findModule, own);
    if (entry.isEnabled) problems.push(...own);
    else warnings.push(...own.map((line) => `${line} (probes.${name} is disabled, so it never runs: a warning, not an error)`));
    if (spec) probes.push(spec);
  }
  if (config) {
    for (const service of parsed.services) {
      const spec = await resolveProbe(service.name, serviceEntry(service.file, config), findModule, problems);
      if (spec) probes.push(spec);
    }
    warnings.push(...parsed.serviceWarnings);
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems.map((line) => `${label}: ${line}`));
  const { document: _document, problems: _problems, ...file } = parsed;
  return { ...file, modulesStamp: stampOfModules, config, probes, warnings: warnings.map((line) => `${label}: ${line}`), modules };
}

export function moduleFolders(config: Pick<Config, 'WatchMan'>): string[] {
  const folder = config.WatchMan.modules_folder;
  return folder === undefined ? [BUNDLED_PROBES] : [folder, BUNDLED_PROBES];
}

/** The module folders, with a `modules_folder` that is missing or not a folder named as the problem it is. */
async function moduleFoldersOf(config: Pick<Config, 'WatchMan'> | undefined, problems: string[]): Promise<string[]> {
  if (!config) return [BUNDLED_PROBES];
  const own = config.WatchMan.modules_folder;
  if (own !== undefined) {
    const info = await stat(own).catch((error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
    if (typeof info === 'string') problems.push(`WatchMan.modules_folder: ${info === 'ENOENT' ? 'no such folder' : `cannot read (${info})`}: ${own}`);
    else if (!info.isDirectory()) problems.push(`WatchMan.modules_folder: not a folder: ${own}`);
  }
  return moduleFolders(config);
}

/** `WatchMan` of a document the schema refused, if that section alone is valid: its modules_folder still finds modules. */
function lenientWatchMan(document: unknown, dir: string): Pick<Config, 'WatchMan'> | undefined {
  const parsed = watchManSchema.safeParse(isMap(document) ? (document['WatchMan'] ?? {}) : {});
  if (!parsed.success) return undefined;
  const folder = parsed.data.modules_folder;
  return { WatchMan: { ...parsed.data, ...(folder === undefined ? {} : { modules_folder: path.resolve(dir, folder) }) } };
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The probes whose modules can be checked: all of them when the schema accepted the file; else
 * each entry that names a module and whose criteria have the right shape, with defaults filled in.
 */
function probeEntries(config: Config | undefined, document: unknown): [string, ProbeEntry][] {
  if (config) return Object.entries(config.probes).map(([name, p]) => [name, entryOf(p)]);
  const raw = isMap(document) ? document['probes'] : undefined;
  if (!isMap(raw)) return [];
  const entries: [string, ProbeEntry][] = [];
  for (const [name, value] of Object.entries(raw)) {
    const whole = probeSchema.safeParse(value);
    if (whole.success) {
      entries.push([name, entryOf(whole.data)]);
      continue;
    }
    if (!isMap(value)) continue;
    const module = probeSchema.shape.module.safeParse(value['module']);
    const criteria = probeSchema.shape.success_criteria.safeParse(value['success_criteria']);
    if (!module.success || !criteria.success) continue;
    entries.push([
      name,
      { module: module.data, isEnabled: value['isEnabled'] !== false, query: value['query'], success_criteria: criteria.data as Record<string, RawCriterion>, period: 10, fall: 1, rise: 1 },
    ]);
  }
  return entries;
}

/**
 * What running a probe takes; its place in the health model (categories, group, FT texts) is left
 * out, so that moving a probe to another category on reload does not restart its checks.
 */
function entryOf(probe: ProbeConfig): ProbeEntry {
  const { module, isEnabled, query, success_criteria, period, fall, rise } = probe;
  return { module, isEnabled, query, success_criteria: success_criteria as Record<string, RawCriterion>, period, fall, rise };
}

/** A script of the services folder as a probe: exec_probe runs it without arguments; exit 0 passes. */
function serviceEntry(file: string, config: Config): ProbeEntry {
  const { services_period: period, services_timeout: timeout } = config.WatchMan;
  return { module: 'exec_probe', isEnabled: true, query: { command: [file], timeout }, success_criteria: {}, period, fall: 1, rise: 1 };
}

/** Why no module `name` was found, with a hint when a close name exists. */
async function missingModule(name: string, modules: ModuleLoader): Promise<string> {
  const where = modules.folders.join(' or ');
  const bare = name.replace(EXTENSION, '');
  if (bare !== name && (await modules.find(bare))) return `no probe module "${name}" in ${where}; did you mean "${bare}"? (a module is named without its file's extension)`;
  const available = new Set<string>();
  for (const folder of modules.folders) {
    for (const file of await readdir(folder).catch(() => [] as string[])) {
      // dist/probes/ holds each compiled module's declarations beside it: not a module of its own.
      if (!file.startsWith('.') && !/\.d\.m?ts$/.test(file)) available.add(file.replace(/\.(ts|mts|js|mjs|cjs)$/, ''));
    }
  }
  return `no probe module "${name}" in ${where}${didYouMean(name, [...available])}`;
}

/** A module as one load of the config found it: its file and the module, or why it cannot be used. */
type FoundModule = { file: string; module: ProbeModule } | { problem: string };

/**
 * Finds and imports each module name once per load of the config. Per probe, the file look-ups
 * (a stat per folder and extension, and one more to see whether the file changed) made a reload of
 * 100 probes take over 30 s on a loaded machine, where each file operation waited hundreds of ms.
 */
function moduleFinder(modules: ModuleLoader): (name: string) => Promise<FoundModule> {
  const found = new Map<string, Promise<FoundModule>>();
  const look = async (name: string): Promise<FoundModule> => {
    const file = await modules.find(name);
    if (file === undefined) return { problem: await missingModule(name, modules) };
    try {
      return { file, module: await modules.load(file) };
    } catch (error) {
      return { problem: error instanceof ModuleLoadError ? error.message : String(error) };
    }
  };
  return (name) => {
    let entry = found.get(name);
    if (!entry) found.set(name, (entry = look(name)));
    return entry;
  };
}

async function resolveProbe(name: string, probe: ProbeEntry, findModule: (name: string) => Promise<FoundModule>, problems: string[]): Promise<ProbeSpec | undefined> {
  const at = (...p: (string | number)[]) => keyPath(['probes', name, ...p]);
  const found = await findModule(probe.module);
  if ('problem' in found) {
    problems.push(`${at('module')}: ${found.problem}`);
    return undefined;
  }
  const { file: moduleFile, module } = found;
  const before = problems.length;
  const criteria = probe.success_criteria;
  for (const [label, criterion] of Object.entries(criteria)) {
    if (!criterionSchema.safeParse(criterion).success) continue;
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
  if (!isTimeoutSeconds(validation.timeout)) {
    problems.push(`${at('module')}: ${moduleFile}: validate() returned the deadline ${String(validation.timeout)}; ${TIMEOUT_EXPECTED}`);
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
