import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { ConfigError } from './ConfigError.ts';
import { expectation, formatIssues } from '../probe-api/zodIssues.ts';
import { configSchema, type Config } from './schema.ts';
import { fileStamp, scriptsStamp } from './folderStamps.ts';
import { modelProblems } from './modelProblems.ts';
import { listServices, type ServiceScript } from './servicesFolder.ts';

/** config.yaml read and checked against the schema; its probe modules not imported. */
export interface ConfigFile {
  /** Absolute path of config.yaml. */
  file: string;
  /** The file as named in messages (relative to the working directory when inside it). */
  label: string;
  /** Validated, with defaults filled in and every path made absolute against the config's folder. */
  config: Config;
  /** The file's mtime and size before it was read: tells whether it changed since. */
  stamp: string;
  /** scriptsStamp of the services folder taken before it was listed ('' without the folder): tells whether it changed since. */
  scriptsStamp: string;
  /** modulesStamp of the module folders taken before the modules were imported; set by loadConfig only. */
  modulesStamp?: string;
  /** The scripts of `WatchMan.services_folder`, each one probe (none without the folder). */
  services: ServiceScript[];
  /** Scripts of the services folder that are skipped, and why. */
  serviceWarnings: string[];
}

export function labelFor(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** config.yaml read and parsed, checked against the schema but not yet refused: loadConfig adds the modules' problems to these. */
export interface ParsedConfigFile extends Omit<ConfigFile, 'config'> {
  /** The YAML document as parsed. */
  document: unknown;
  /** Set when the schema accepts the document. */
  config?: Config;
  /** The schema's problems, each `key.path: expected …` (without the file's label). */
  problems: string[];
}

/**
 * Reads, parses and validates config.yaml against the schema (not the probe modules' options: that
 * is loadConfig); throws ConfigError listing every problem. Enough for the responder, which never
 * imports a probe module: a module's top-level code (a connection pool, say) has no business
 * running in the process that faces the network, and tsx would cost it 35 MB.
 */
export async function readConfig(configFile: string, options: { cwd?: string } = {}): Promise<ConfigFile> {
  const { document: _document, problems, config, ...file } = await parseConfigFile(configFile, options);
  if (!config || problems.length > 0) throw new ConfigError(problems.map((line) => `${file.label}: ${line}`));
  return { ...file, config };
}

/**
 * Reads and parses config.yaml and checks it against the schema; throws ConfigError only when there
 * is no document to check (no file, a YAML syntax error, an empty file).
 */
export async function parseConfigFile(configFile: string, options: { cwd?: string } = {}): Promise<ParsedConfigFile> {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(cwd, configFile);
  const label = labelFor(file, cwd);
  const fail = (lines: string[]): never => {
    throw new ConfigError(lines.map((line) => `${label}: ${line}`));
  };

  // Before the read: a change between the two makes the stamp old, which costs one extra reload, never a missed one.
  const stamp = await fileStamp(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail([code === 'ENOENT' ? `no such file (looked for ${file})` : `cannot read ${file} (${code ?? String(error)})`]);
  }
  const document = parseYaml(text, fail);
  const parsed = configSchema.safeParse(document, { reportInput: true, error: (issue) => expectation(issue) });
  if (!parsed.success) return { file, label, stamp, scriptsStamp: '', document, problems: formatIssues(parsed.error.issues, configSchema), services: [], serviceWarnings: [] };
  const config = resolvePaths(parsed.data, path.dirname(file));
  const services = config.WatchMan.services_folder;
  const scripts = services === undefined ? '' : await scriptsStamp([services]);
  const listing = await listServices(config.WatchMan, Object.keys(config.probes));
  const model = modelProblems(config, listing.services.map((service) => service.name));
  return { file, label, stamp, scriptsStamp: scripts, document, problems: [...listing.problems, ...model], config, services: listing.services, serviceWarnings: listing.warnings };
}

const EMPTY = 'the file is empty; expected a map with Generic, WEB, WatchMan and probes';

function parseYaml(text: string, fail: (lines: string[]) => never): unknown {
  // Blank, or only comments and document markers: js-yaml 5 throws on that as on an empty file.
  if (text.split(/\r?\n/).every((line) => /^\s*(#.*)?$/.test(line) || /^(---|\.\.\.)\s*$/.test(line))) return fail([EMPTY]);
  let document: unknown;
  try {
    document = load(text);
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? `line ${error.mark.line + 1}, column ${error.mark.column + 1}: ` : '';
      return fail([`${where}YAML syntax error: ${error.reason}`]);
    }
    throw error;
  }
  // Only comments (or a lone `---`): as empty as an empty file.
  return document === undefined || document === null ? fail([EMPTY]) : document;
}

export function resolvePaths(config: Config, dir: string): Config {
  const { WatchMan, WEB } = config;
  return {
    ...config,
    WatchMan: {
      ...WatchMan,
      probe_status_folder: path.resolve(dir, WatchMan.probe_status_folder),
      ...(WatchMan.modules_folder === undefined ? {} : { modules_folder: path.resolve(dir, WatchMan.modules_folder) }),
      ...(WatchMan.services_folder === undefined ? {} : { services_folder: path.resolve(dir, WatchMan.services_folder) }),
      ...(WatchMan.notifiers_folder === undefined ? {} : { notifiers_folder: path.resolve(dir, WatchMan.notifiers_folder) }),
    },
    WEB: {
      ...WEB,
      ...(WEB.access_token_file === undefined ? {} : { access_token_file: path.resolve(dir, WEB.access_token_file) }),
    },
  };
}
