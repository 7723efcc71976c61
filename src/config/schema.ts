import { z } from 'zod';
import { LEVELS, type Level } from '../log/Logger.ts';

/**
 * The one source of truth for config.yaml: its keys, their defaults, and (through z.output) the
 * TypeScript types the rest of the code uses. Seed keys keep their spelling (`isEnabled`, `WEB`);
 * keys DeadPool adds are snake_case. Error texts here are the "expected …" half of a config error.
 */

/** Probe and module names become file names (`<name>.dead`, `<module>.ts`): nothing that can escape a folder. */
export const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;
const SAFE_NAME_TEXT = 'a name of letters, digits, "_", "." or "-", not starting with "."';

const positiveNumber = (what = 'a positive number') =>
  z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` }).finite({ error: `expected ${what}` });
const positiveInt = z.int({ error: 'expected a whole number ≥ 1' }).min(1, { error: 'expected a whole number ≥ 1' });
const port = z.int({ error: 'expected a port number (1-65535)' }).min(1, { error: 'expected a port number (1-65535)' }).max(65535, { error: 'expected a port number (1-65535)' });
const nonEmptyString = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const safeName = z.string({ error: `expected ${SAFE_NAME_TEXT}` }).regex(SAFE_NAME, { error: `expected ${SAFE_NAME_TEXT}` });

const levelNames = Object.keys(LEVELS) as [Level, ...Level[]];

export const logSchema = z.strictObject({
  type: z.enum(['stdout', 'gelf']).default('stdout'),
  server: nonEmptyString('a host name').default('localhost'),
  port: port.default(12201),
  level: z.enum(levelNames).default('info'),
  protocol: z.enum(['udp', 'tcp']).default('udp'),
});

export const genericSchema = z.strictObject({
  log: logSchema.prefault({}),
});

export const webSchema = z.strictObject({
  port: port.default(9001),
  host: nonEmptyString('a host name or address').default('0.0.0.0'),
  base_url: z.string().startsWith('/', { error: 'expected a path starting with "/"' }).default('/'),
  access_token: nonEmptyString('a non-empty token').optional(),
  access_token_file: nonEmptyString('a file path').optional(),
  name: z.string().default('DeadPool'),
});

export const watchManSchema = z.strictObject({
  probe_status_folder: nonEmptyString('a folder path').default('probe-status'),
  modules_folder: nonEmptyString('a folder path').optional(),
  stale_grace: positiveNumber('a positive number of seconds').default(5),
});

export const criterionSchema = z.strictObject({
  type: nonEmptyString('a criterion type'),
  query: z.unknown().optional(),
});

export const probeSchema = z.strictObject({
  module: safeName,
  isEnabled: z.boolean({ error: 'expected True or False' }).default(true),
  period: positiveNumber('a positive number of seconds').default(10),
  query: z.unknown().optional(),
  success_criteria: z.record(z.string(), criterionSchema, { error: 'expected a map of labelled criteria' }).default({}),
  fall: positiveInt.default(1),
  rise: positiveInt.default(1),
});

export const configSchema = z.strictObject({
  Generic: genericSchema.prefault({}),
  WEB: webSchema.prefault({}),
  WatchMan: watchManSchema.prefault({}),
  probes: z.record(safeName, probeSchema, { error: 'expected a map of probes' }).default({}),
});

export type Config = z.output<typeof configSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
export type LogConfig = z.output<typeof logSchema>;
export type WebConfig = z.output<typeof webSchema>;
