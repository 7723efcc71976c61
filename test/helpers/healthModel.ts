import { configSchema } from '../../src/config/schema.ts';
import { healthModel, type HealthModel } from '../../src/verdict/healthModel.ts';

/** The model of a seed-style config: every named probe enabled, in the default category, a group each. */
export function modelFor(probes: Iterable<string>, name = 'DC-1'): HealthModel {
  return modelOf({ WEB: { name }, probes: Object.fromEntries([...probes].map((probe) => [probe, { module: 'url_probe' }])) });
}

/** The model of a config document (as parsed from YAML); throws when the schema refuses it. */
export function modelOf(document: unknown): HealthModel {
  return healthModel(configSchema.parse(document));
}

/** A getter of one object, as the responder's getters are between two reloads (its memo keys on identity). */
export const constant = <T>(value: T): (() => T) => () => value;
