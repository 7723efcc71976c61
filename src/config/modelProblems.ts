import { keyPath } from '../probe-api/keyPath.ts';
import { didYouMean } from '../probe-api/suggest.ts';
import { DEFAULT_CATEGORY, type Config } from './schema.ts';

/**
 * Paths the responder answers itself; a pool cannot take one. `/__about` and `/__traffic` are
 * kept free for the rest of the FT endpoints.
 */
export const RESERVED_PATHS = ['/__gtg', '/__health', '/__about', '/__traffic', '/metrics'] as const;

/**
 * The problems of the health model that the schema cannot see, because they relate two keys:
 * categories named but not declared, two routes on one path, a resilient category asking more
 * passing members than a group has, an agent reporting a pool that does not exist. `services` are the services folder's probes (category
 * `default`, a group each). Each line is `key.path: …`, as the schema's.
 */
export function modelProblems(config: Config, services: readonly string[]): string[] {
  const problems: string[] = [];
  const known = [DEFAULT_CATEGORY, ...Object.keys(config.categories).filter((name) => name !== DEFAULT_CATEGORY)];
  const checkCategory = (name: string, at: (string | number)[]): void => {
    if (known.includes(name)) return;
    problems.push(`${keyPath(at)}: unknown category "${name}"${didYouMean(name, known)}; expected one of ${known.join(', ')} (declare it under categories)`);
  };
  for (const [name, probe] of Object.entries(config.probes)) probe.categories.forEach((category, i) => checkCategory(category, ['probes', name, 'categories', i]));

  const routes = new Map<string, string>([[config.WEB.base_url, 'WEB.base_url'], ...RESERVED_PATHS.map((p): [string, string] => [p, `a route of the responder (${p})`])]);
  for (const [name, pool] of Object.entries(config.WEB.pools)) {
    pool.categories.forEach((category, i) => checkCategory(category, ['WEB', 'pools', name, 'categories', i]));
    const taken = routes.get(pool.path);
    if (taken !== undefined) problems.push(`${keyPath(['WEB', 'pools', name, 'path'])}: "${pool.path}" is already ${taken}; expected a path of its own`);
    else routes.set(pool.path, keyPath(['WEB', 'pools', name, 'path']));
  }

  const agentPool = config.Agent?.pool;
  if (agentPool !== undefined && !(agentPool in config.WEB.pools)) {
    const pools = Object.keys(config.WEB.pools);
    const expected = pools.length === 0 ? 'WEB.pools has none (leave pool out for the base URL\'s verdict)' : `expected one of ${pools.join(', ')} (or no pool: the base URL's verdict)`;
    problems.push(`${keyPath(['Agent', 'pool'])}: unknown pool "${agentPool}"${didYouMean(agentPool, pools)}; ${expected}`);
  }

  for (const [category, settings] of Object.entries(config.categories)) {
    if (!settings.resilient) continue;
    const groups = new Map<string, string[]>();
    const add = (probe: string, group: string): void => {
      groups.set(group, [...(groups.get(group) ?? []), probe]);
    };
    for (const [name, probe] of Object.entries(config.probes)) if (probe.isEnabled && probe.categories.includes(category)) add(name, probe.group ?? name);
    if (category === DEFAULT_CATEGORY) for (const name of services) add(name, name);
    for (const [group, members] of groups) {
      if (members.length >= settings.min_passing) continue;
      problems.push(
        `${keyPath(['categories', category, 'min_passing'])}: ${settings.min_passing} is more than group "${group}" has in ${category} (${members.length}: ${members.join(', ')}); expected at most ${members.length}`,
      );
    }
  }
  const pools = Object.keys(config.WEB.pools);
  for (const [name, action] of Object.entries(config.actions)) {
    if (action.on_up === undefined && action.on_down === undefined) problems.push(`${keyPath(['actions', name])}: no on_up and no on_down; expected at least one of them (a command to run)`);
    if (action.pool !== undefined && !pools.includes(action.pool)) {
      const expected = pools.length === 0 ? "WEB.pools has none (leave pool out for the base URL's verdict)" : `expected one of ${pools.join(', ')} (or no pool: the base URL's verdict)`;
      problems.push(`${keyPath(['actions', name, 'pool'])}: unknown pool "${action.pool}"${didYouMean(action.pool, pools)}; ${expected}`);
    }
  }
  for (const [name, notifier] of Object.entries(config.notifiers)) {
    const kinds = (notifier.webhook === undefined ? 0 : 1) + (notifier.command === undefined ? 0 : 1);
    if (kinds !== 1) problems.push(`${keyPath(['notifiers', name])}: ${kinds === 0 ? 'neither webhook nor command' : 'both webhook and command'}; expected exactly one of them`);
  }
  return problems;
}
