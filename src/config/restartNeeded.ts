import type { Config } from './schema.ts';

/** Keys a running process cannot change under its feet, by process. */
const FIXED: Record<'watcher' | 'web', ((c: Config) => [string, unknown])[]> = {
  watcher: [
    (c) => ['Generic.log', c.Generic.log],
    (c) => ['Generic.graphite', c.Generic.graphite],
    (c) => ['WatchMan.probe_status_folder', c.WatchMan.probe_status_folder],
    (c) => ['WatchMan.modules_folder', c.WatchMan.modules_folder],
    (c) => ['WatchMan.services_folder', c.WatchMan.services_folder],
  ],
  web: [
    (c) => ['Generic.log', c.Generic.log],
    (c) => ['WEB.host', c.WEB.host],
    (c) => ['WEB.port', c.WEB.port],
    (c) => ['Agent.host', c.Agent?.host],
    (c) => ['Agent.port', c.Agent?.port],
    (c) => ['WatchMan.probe_status_folder', c.WatchMan.probe_status_folder],
    (c) => ['WatchMan.services_folder', c.WatchMan.services_folder],
  ],
};

/** The changed keys that take effect only after a restart of `component` (logged as such). */
export function restartNeeded(previous: Config, next: Config, component: 'watcher' | 'web'): string[] {
  return FIXED[component]
    .map((pick) => [pick(previous), pick(next)] as const)
    .filter(([[, a], [, b]]) => JSON.stringify(a) !== JSON.stringify(b))
    .map(([[key]]) => key);
}
