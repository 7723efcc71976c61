import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProbeModule } from './types.ts';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
}

interface Cached {
  version: string;
  module: ProbeModule;
}

/**
 * Finds probe modules by name in a list of folders (first match wins) and imports them, `.ts` with
 * no build step. A module is imported again only when its file changed: every import of a changed
 * file stays in memory for the life of the process, so re-importing on each reload would leak.
 */
export class ModuleLoader {
  readonly #folders: string[];
  readonly #cache = new Map<string, Cached>();
  readonly #kit: unknown;
  /**
   * Files imported by Node itself rather than through tsx: DeadPool's own modules, compiled to
   * dist/probes/. tsx would cost the watcher its loader thread (about 35 MB) and wrap every named
   * function of the module in a call made on each check.
   */
  readonly #native: (file: string) => boolean;

  /**
   * `kit` is handed to a module whose default export is a factory (`(kit) => module`): how a module
   * in an outside folder, which cannot import DeadPool's files, gets the schema builder and helpers.
   * Passed in, so that this contract layer does not depend on the helpers built on it.
   */
  constructor(folders: string[], kit?: unknown, options: { native?: (file: string) => boolean } = {}) {
    this.#folders = folders;
    this.#kit = kit;
    this.#native = options.native ?? (() => false);
  }

  get folders(): readonly string[] {
    return this.#folders;
  }

  async find(name: string): Promise<string | undefined> {
    for (const folder of this.#folders) {
      for (const ext of EXTENSIONS) {
        const file = path.join(folder, name + ext);
        if (await stat(file).then((s) => s.isFile(), () => false)) return file;
      }
    }
    return undefined;
  }

  /** Imports `file` (or returns the cached module if the file did not change) and checks its shape. */
  async load(file: string): Promise<ProbeModule> {
    const info = await stat(file);
    const version = `${info.mtimeMs}:${info.size}`;
    const cached = this.#cache.get(file);
    if (cached?.version === version) return cached.module;
    let namespace: Record<string, unknown>;
    try {
      // tsImport loads each call in a namespace of its own, so an edited file is really imported again
      // (a `?v=` query is dropped by tsx's resolver and would return the cached module).
      if (this.#native(file)) {
        // The query makes an edited file a new module for Node's cache, as tsImport's namespace does.
        namespace = (await import(`${pathToFileURL(file).href}?v=${encodeURIComponent(version)}`)) as Record<string, unknown>;
      } else {
        const { tsImport } = await loadTsx();
        namespace = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
      }
    } catch (error) {
      throw new ModuleLoadError(`${file}: failed to load: ${loadFailure(file, error)}`);
    }
    let candidate = defaultExport(namespace);
    if (typeof candidate === 'function') {
      try {
        candidate = (candidate as (kit: unknown) => unknown)(this.#kit);
      } catch (error) {
        throw new ModuleLoadError(`${file}: its factory threw: ${loadFailure(file, error)}`);
      }
    }
    const module = checkShape(file, candidate);
    this.#cache.set(file, { version, module });
    return module;
  }
}

/**
 * The whole of a load error on one line: a compile error's first line is only "Transform failed
 * with 1 error:", and the file, line and column follow it. An error the module's top-level code
 * threw gets the place it was thrown, from the stack.
 */
export function loadFailure(file: string, error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
  const shown = message || error.name;
  if (shown.includes(file)) return shown;
  const place = error.stack?.split('\n').find((line) => line.includes(file))?.match(/:(\d+):(\d+)\)?\s*$/);
  return place ? `${shown} (at line ${place[1]}, column ${place[2]})` : shown;
}

/**
 * tsx only once a module is imported: its loader thread costs a process about 35 MB, which the
 * responder (it never imports a module) and `deadpool validate` of a config without probes do not pay.
 */
let tsx: Promise<typeof import('tsx/esm/api')> | undefined;
const loadTsx = (): Promise<typeof import('tsx/esm/api')> => (tsx ??= import('tsx/esm/api'));

/** Whether this process has loaded tsx (for the tests: a watcher of bundled modules only must not). */
export const tsxLoaded = (): boolean => tsx !== undefined;

/**
 * The module's default export. A file outside any `"type": "module"` package (a typical
 * /etc/deadpool/probes) is compiled as CommonJS, where `export default` lands one level deeper.
 */
function defaultExport(namespace: Record<string, unknown>): unknown {
  const outer = namespace['default'] as Record<string, unknown> | undefined;
  if (outer && (typeof outer === 'object' || typeof outer === 'function') && 'default' in outer && !('check' in outer)) return outer['default'];
  return outer;
}

function checkShape(file: string, candidate: unknown): ProbeModule {
  const problems: string[] = [];
  const m = candidate as Partial<Record<keyof ProbeModule, unknown>> | undefined;
  if (typeof m !== 'object' || m === null) {
    throw new ModuleLoadError(`${file}: expected a default export object with name, criteria, validate() and check(), got ${m === null ? 'null' : typeof m}`);
  }
  if (typeof m.name !== 'string' || m.name === '') problems.push('name must be a non-empty string');
  if (!Array.isArray(m.criteria) || !m.criteria.every((c) => typeof c === 'string')) problems.push('criteria must be a list of strings');
  if (typeof m.validate !== 'function') problems.push('validate must be a function');
  if (typeof m.check !== 'function') problems.push('check must be a function');
  if (problems.length > 0) throw new ModuleLoadError(`${file}: not a probe module: ${problems.join('; ')}`);
  return m as ProbeModule;
}
