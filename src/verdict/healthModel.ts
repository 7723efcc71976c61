import { DEFAULT_CATEGORY } from '../config/names.ts';
import type { Config } from '../config/schema.ts';

/** One enabled probe's place in the model, and the FT texts /__health shows for it. */
export interface ProbeModel {
  name: string;
  /** The probe module that checks it (a services folder script: `exec_probe`), for metric labels. */
  module: string;
  /** Sorted; at least one. */
  categories: readonly string[];
  group: string;
  severity: 1 | 2 | 3;
  businessImpact: string;
  technicalSummary: string;
  panicGuide: string;
}

export interface CategoryModel {
  name: string;
  resilient: boolean;
  minPassing: number;
  sticky: boolean;
  /** group → its members in this category, both sorted. */
  groups: ReadonlyMap<string, readonly string[]>;
}

export interface PoolModel {
  name: string;
  path: string;
  categories: readonly string[];
}

/** What the verdict needs of config.yaml, built once per loaded config. */
export interface HealthModel {
  name: string;
  systemCode: string;
  description: string;
  probes: ReadonlyMap<string, ProbeModel>;
  categories: ReadonlyMap<string, CategoryModel>;
  pools: ReadonlyMap<string, PoolModel>;
}

/** What runs a services folder script (src/config/servicesFolder.ts); the watcher's label for it too. */
const SERVICES_MODULE = 'exec_probe';

/** A service-folder script or any probe without FT texts of its own gets these. */
const DEFAULT_PANIC_GUIDE = 'cat the probe\'s flag file (probe-status/<probe>.dead) on the DeadPool host, or run "deadpool status" there';

/**
 * The model of a valid config (src/config/modelProblems.ts has refused unknown categories):
 * enabled probes only, and `services` (the services folder's scripts) in the default category, a
 * group each. The default category always exists, declared or not.
 */
export function healthModel(config: Config, services: readonly string[] = []): HealthModel {
  const dc = config.WEB.name;
  const probes = new Map<string, ProbeModel>();
  const add = (probe: ProbeModel): void => void probes.set(probe.name, probe);
  for (const [name, probe] of Object.entries(config.probes)) {
    if (!probe.isEnabled) continue;
    const categories = [...new Set(probe.categories)].sort();
    add({
      name,
      module: probe.module,
      categories,
      group: probe.group ?? name,
      severity: probe.severity,
      businessImpact: probe.business_impact ?? `may take ${dc} out of the Cloudflare pools that need ${categories.join(', ')}`,
      technicalSummary: probe.technical_summary ?? `${probe.module} probe "${name}"`,
      panicGuide: probe.panic_guide ?? DEFAULT_PANIC_GUIDE,
    });
  }
  for (const name of services) {
    add({
      name,
      module: SERVICES_MODULE,
      categories: [DEFAULT_CATEGORY],
      group: name,
      severity: 1,
      businessImpact: `may take ${dc} out of the Cloudflare pools that need ${DEFAULT_CATEGORY}`,
      technicalSummary: `script "${name}" of the services folder`,
      panicGuide: DEFAULT_PANIC_GUIDE,
    });
  }
  const names = [...new Set([DEFAULT_CATEGORY, ...Object.keys(config.categories)])].sort();
  const categories = new Map<string, CategoryModel>();
  for (const name of names) {
    const settings = config.categories[name];
    const groups = new Map<string, string[]>();
    for (const probe of [...probes.values()].sort((a, b) => compare(a.name, b.name))) {
      if (!probe.categories.includes(name)) continue;
      const members = groups.get(probe.group);
      if (members) members.push(probe.name);
      else groups.set(probe.group, [probe.name]);
    }
    categories.set(name, {
      name,
      resilient: settings?.resilient ?? false,
      minPassing: settings?.min_passing ?? 1,
      sticky: settings?.sticky ?? false,
      groups: new Map([...groups].sort(([a], [b]) => compare(a, b))),
    });
  }
  const pools = new Map(Object.entries(config.WEB.pools).map(([name, pool]) => [name, { name, path: pool.path, categories: [...new Set(pool.categories)].sort() }]));
  return {
    name: dc,
    systemCode: config.WEB.system_code ?? slug(dc),
    description: `DeadPool: whether ${dc} can take traffic, for Cloudflare Load Balancing`,
    probes,
    categories,
    pools,
  };
}

/** FT system codes are lower-case words joined by "-". */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'deadpool';
}

/** Code-point order: the same sort as the seed's body, whatever the locale. */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
