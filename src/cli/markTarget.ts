import { readConfig } from '../config/readConfig.ts';
import { didYouMean } from '../probe-api/suggest.ts';
import { healthModel, type HealthModel } from '../verdict/healthModel.ts';
import { UsageError } from './UsageError.ts';

export interface MarkContext {
  folder: string;
  model: HealthModel;
}

/**
 * The flag folder and the health model of config.yaml, for the commands that write marks. Only
 * the schema is checked (no probe module is imported): marks must be writable in a hurry, even
 * when a module is broken.
 */
export async function markContext(configFile: string): Promise<MarkContext> {
  const { config, services } = await readConfig(configFile);
  return { folder: config.WatchMan.probe_status_folder, model: healthModel(config, services.map((service) => service.name)) };
}

/** `name` when the config has it among `known`, else a UsageError naming what there is. */
export function known(what: string, name: string, known: Iterable<string>): string {
  const list = [...known];
  if (list.includes(name)) return name;
  const choices = list.length === 0 ? `config.yaml has no ${what}s` : `expected one of ${list.slice(0, 20).join(', ')}${list.length > 20 ? ', …' : ''}`;
  throw new UsageError(`no ${what} "${name}" in config.yaml${didYouMean(name, list)}; ${choices}`);
}

/** The reason of an ack or a drain: one line, not empty. */
export function reasonOf(text: string | undefined): string {
  const reason = (text ?? '').replace(/\s+/g, ' ').trim();
  if (reason === '') throw new UsageError('--reason "…" is required: say why, for whoever looks next');
  return reason;
}
