import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SAFE_NAME, type Config } from './schema.ts';

/** One script of the services folder: a probe named after the file, without its extension. */
export interface ServiceScript {
  name: string;
  file: string;
}

export interface ServicesListing {
  services: ServiceScript[];
  /** Files that are skipped (not executable, a name DeadPool cannot use), one line each. */
  warnings: string[];
  /** Mistakes that make the config invalid (a folder that is missing, two scripts or a script and a probe with one name). */
  problems: string[];
}

/**
 * Platoon's services folder (seed 000): every executable file whose extension is one of
 * `WatchMan.script_types` is a probe named after the file without its extension (`httpd.sh` →
 * `httpd`), run without arguments by exec_probe every `services_period` seconds; exit 0 passes.
 * Listed by both processes — the watcher runs the scripts, the responder must know which probes to
 * expect — with the same function, so they agree. Scripts are never imported, only run.
 */
export async function listServices(watchMan: Config['WatchMan'], configured: Iterable<string>): Promise<ServicesListing> {
  const listing: ServicesListing = { services: [], warnings: [], problems: [] };
  const folder = watchMan.services_folder;
  if (folder === undefined) return listing;
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    listing.problems.push(`WatchMan.services_folder: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : `cannot read (${code ?? String(error)})`}: ${folder}`);
    return listing;
  }
  const taken = new Map<string, string>([...configured].map((name) => [name, 'config.yaml']));
  const types = new Set(watchMan.script_types.map((t) => t.toLowerCase()));
  for (const file of names.sort()) {
    if (file.startsWith('.')) continue;
    const extension = path.extname(file).slice(1).toLowerCase();
    if (!types.has(extension)) continue;
    const full = path.join(folder, file);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) continue;
    const name = file.slice(0, -(extension.length + 1));
    if (!SAFE_NAME.test(name)) {
      listing.warnings.push(`WatchMan.services_folder: ${full} skipped: "${name}" cannot be a probe name (letters, digits, "_", "." or "-", not starting with ".")`);
      continue;
    }
    if ((info.mode & 0o111) === 0) {
      listing.warnings.push(`WatchMan.services_folder: ${full} skipped: not executable (chmod +x it to run it as probe "${name}")`);
      continue;
    }
    const owner = taken.get(name);
    if (owner !== undefined) {
      listing.problems.push(`WatchMan.services_folder: ${full} would be probe "${name}", which ${owner === 'config.yaml' ? 'config.yaml already has' : `${owner} already is`}`);
      continue;
    }
    taken.set(name, full);
    listing.services.push({ name, file: full });
  }
  return listing;
}
