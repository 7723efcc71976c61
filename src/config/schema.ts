import { z } from 'zod';
import { DEFAULT_CATEGORY, SAFE_NAME } from './names.ts';
import { LEVELS, type Level } from '../log/Logger.ts';
import { BOOLEAN_EXPECTED, MAX_PERIOD_S, MAX_TIMEOUT_S, MIN_PERIOD_S, MIN_TIMEOUT_S } from '../probe-api/bounds.ts';
import { secret } from '../probe-api/secret.ts';

/**
 * The one source of truth for config.yaml: its keys, their defaults, and (through z.output) the
 * TypeScript types the rest of the code uses. Seed keys keep their spelling (`isEnabled`, `WEB`);
 * keys DeadPool adds are snake_case. Error texts here are the "expected …" half of a config error.
 */

export { SAFE_NAME };
const SAFE_NAME_TEXT = 'a name of letters, digits, "_", "." or "-", not starting with "."';

/** Seconds between `min` and `max`; the message names both bounds, so `1e12` and `0.001` say what is allowed. */
const secondsBetween = (min: number, max: number, maxText: string) => {
  const what = `expected a number of seconds from ${min} to ${max} (${maxText})`;
  return z.number({ error: what }).finite({ error: what }).min(min, { error: what }).max(max, { error: what });
};
const positiveInt = z.int({ error: 'expected a whole number ≥ 1' }).min(1, { error: 'expected a whole number ≥ 1' });
const port = z.int({ error: 'expected a port number (1-65535)' }).min(1, { error: 'expected a port number (1-65535)' }).max(65535, { error: 'expected a port number (1-65535)' });
const nonEmptyString = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const safeName = z.string({ error: `expected ${SAFE_NAME_TEXT}` }).regex(SAFE_NAME, { error: `expected ${SAFE_NAME_TEXT}` });
const moduleName = z
  .string({ error: (issue) => (issue.input === undefined ? 'the probe module to run, e.g. url_probe' : `expected ${SAFE_NAME_TEXT}`) })
  .regex(SAFE_NAME, { error: `expected ${SAFE_NAME_TEXT}` });
const boolean = z.boolean({ error: BOOLEAN_EXPECTED });

const levelNames = Object.keys(LEVELS) as [Level, ...Level[]];

export const logSchema = z.strictObject({
  type: z.enum(['stdout', 'gelf']).default('stdout'),
  server: nonEmptyString('a host name').default('localhost'),
  port: port.default(12201),
  level: z.enum(levelNames).default('info'),
  protocol: z.enum(['udp', 'tcp']).default('udp'),
});

/** CoCo's metrics to graphite: plaintext lines over TCP (src/watcher/GraphiteSender.ts). */
export const graphiteSchema = z.strictObject({
  server: nonEmptyString('a host name or address'),
  port: port.default(2003),
  /** Defaults to `deadpool.<slug of WEB.name>`. */
  prefix: z.string({ error: 'expected a dotted metric prefix like deadpool.dc1' }).regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, { error: 'expected a dotted metric prefix like deadpool.dc1 (letters, digits, "_", "-")' }).optional(),
  interval: secondsBetween(1, 3600, '1 h').default(60),
});

export const genericSchema = z.strictObject({
  log: logSchema.prefault({}),
  graphite: graphiteSchema.optional(),
});

const categoryList = z.array(safeName, { error: 'expected a list of category names' }).min(1, { error: 'expected at least one category' });

export const poolSchema = z.strictObject({
  path: z.string({ error: 'expected a path starting with "/"' }).regex(/^\/[^?#\s]*$/, { error: 'expected a path starting with "/", without "?", "#" or spaces' }),
  categories: categoryList,
});

export const categorySchema = z.strictObject({
  /** A group fails only when fewer than `min_passing` of its members pass (CoCo's resilient categories). */
  resilient: boolean.default(false),
  min_passing: positiveInt.default(1),
  /** Once failed, stays failed (through restarts) until `deadpool unstick <category>`. */
  sticky: boolean.default(false),
});

export { DEFAULT_CATEGORY };

export const webSchema = z.strictObject({
  port: port.default(9001),
  host: nonEmptyString('a host name or address').default('0.0.0.0'),
  base_url: z.string().startsWith('/', { error: 'expected a path starting with "/"' }).default('/'),
  access_token: nonEmptyString('a non-empty token').optional(),
  access_token_file: nonEmptyString('a file path').optional(),
  name: z.string().default('DeadPool'),
  /** FT `systemCode` of /__health; defaults to a slug of `name` (src/verdict/healthModel.ts). */
  system_code: nonEmptyString('a system code').optional(),
  /** One per Cloudflare pool monitor: its own path and the categories it needs (checked in src/config/modelProblems.ts). */
  pools: z.record(safeName, poolSchema, { error: 'expected a map of pools' }).default({}),
  /** `/metrics` without the token (for a Prometheus that cannot send one). */
  metrics_public: boolean.default(false),
});

export const watchManSchema = z.strictObject({
  probe_status_folder: nonEmptyString('a folder path').default('probe-status'),
  modules_folder: nonEmptyString('a folder path').optional(),
  stale_grace: secondsBetween(0.1, 3600, '1 h').default(5),
  /** Platoon's services folder: every executable script in it is a probe (src/config/servicesFolder.ts). */
  services_folder: nonEmptyString('a folder path').optional(),
  services_period: secondsBetween(MIN_PERIOD_S, MAX_PERIOD_S, '24 h').default(10),
  services_timeout: secondsBetween(MIN_TIMEOUT_S, MAX_TIMEOUT_S, '1 h').default(5),
  script_types: z
    .array(z.string({ error: 'expected a file extension like sh' }).regex(/^[A-Za-z0-9]+$/, { error: 'expected a file extension like sh, without the dot' }), { error: 'expected a list of file extensions' })
    .default(['py', 'sh', 'pl', 'js']),
  /** Platoon's notifier scripts: every executable file in it gets each event as JSON on stdin (src/notifiers/). */
  notifiers_folder: nonEmptyString('a folder path').optional(),
});

const ARGV_EXPECTED = 'expected a list: the program, then its arguments';
const argv = z.array(nonEmptyString('a non-empty word'), { error: ARGV_EXPECTED }).min(1, { error: ARGV_EXPECTED });
/** Heartbeat's style: a string is run by /bin/sh -c; a list is run as it is, without a shell. */
const actionCommand = z.union([nonEmptyString('a command line'), argv], { error: 'expected a command line (run by /bin/sh -c) or a list (the program, then its arguments)' });

/** Heartbeat's promotion and demotion actions (src/actions/); at least one command (checked in modelProblems). */
export const actionSchema = z.strictObject({
  on_up: actionCommand.optional(),
  on_down: actionCommand.optional(),
  /** Whose verdict: a pool of WEB.pools; the base URL's (every category) when left out. */
  pool: safeName.optional(),
  timeout: secondsBetween(0.1, 3600, '1 h').default(30),
  run_at_start: boolean.default(true),
});

const HTTP_URL = 'expected an http:// or https:// URL';
const isHttpUrl = (text: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
};

export const webhookSchema = z.strictObject({
  /** A secret: webhook URLs often carry a token (in the path or as user:password). */
  url: secret(z.string({ error: HTTP_URL }).refine(isHttpUrl, { error: HTTP_URL })),
  headers: z.record(z.string(), secret(z.string({ error: 'expected a header value' })), { error: 'expected a map of header names to values' }).default({}),
  timeout: secondsBetween(0.1, 300, '5 min').default(5),
});

export const notifierSchema = z.strictObject({
  webhook: webhookSchema.optional(),
  command: argv.optional(),
  /** For `command`: the command's group is killed after this. */
  timeout: secondsBetween(0.1, 300, '5 min').default(10),
  /** Deliveries tried per event before it is dropped (and counted); the default is 5 for a webhook, 1 for a command. */
  attempts: z.int({ error: 'expected a whole number from 1 to 100' }).min(1, { error: 'expected a whole number from 1 to 100' }).max(100, { error: 'expected a whole number from 1 to 100' }).optional(),
});

const WEIGHT_TEXT = 'expected a percentage from 0 to 256 (e.g. 100 or "75%") or cpu';
/** HAProxy's agent weight: a fixed percentage of the server's configured weight, or `cpu` (the machine's idle CPU, as haproxy_agent). */
const agentWeight = z
  .union(
    [
      z.literal('cpu', { error: WEIGHT_TEXT }),
      z.int({ error: WEIGHT_TEXT }).min(0, { error: WEIGHT_TEXT }).max(256, { error: WEIGHT_TEXT }),
      z
        .string({ error: WEIGHT_TEXT })
        .regex(/^\s*\d{1,3}\s*%\s*$/, { error: WEIGHT_TEXT, abort: true })
        .refine((text) => Number.parseInt(text, 10) <= 256, { error: WEIGHT_TEXT }),
    ],
    { error: WEIGHT_TEXT },
  )
  .transform((value) => (typeof value === 'string' && value !== 'cpu' ? Number.parseInt(value, 10) : value));

/** HAProxy agent-check listener in the responder (src/agent/); absent: off. */
export const agentSchema = z.strictObject({
  host: nonEmptyString('a host name or address').default('0.0.0.0'),
  port,
  /** Whose verdict the agent reports: a pool of WEB.pools (checked in src/config/modelProblems.ts); absent: the base URL's. */
  pool: safeName.optional(),
  weight: agentWeight.default(100),
  cpu_timeframe_ms: z
    .int({ error: 'expected a whole number of milliseconds from 100 to 60000' })
    .min(100, { error: 'expected a whole number of milliseconds from 100 to 60000' })
    .max(60_000, { error: 'expected a whole number of milliseconds from 100 to 60000' })
    .default(2000),
});

export const criterionSchema = z.strictObject({
  type: nonEmptyString('a criterion type'),
  query: z.unknown().optional(),
});

export const probeSchema = z.strictObject({
  module: moduleName,
  isEnabled: boolean.default(true),
  period: secondsBetween(MIN_PERIOD_S, MAX_PERIOD_S, '24 h').default(10),
  query: z.unknown().optional(),
  success_criteria: z.record(z.string(), criterionSchema, { error: 'expected a map of labelled criteria' }).default({}),
  fall: positiveInt.default(1),
  rise: positiveInt.default(1),
  categories: categoryList.default([DEFAULT_CATEGORY]),
  /** Instances of one service; a probe without a group is a group of its own. */
  group: safeName.optional(),
  /** FT severity: 1 critical, 2, 3 informational. Shown, never used in the verdict. */
  severity: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'expected 1 (critical), 2 or 3 (informational)' }).default(1),
  business_impact: nonEmptyString('a sentence').optional(),
  technical_summary: nonEmptyString('a sentence').optional(),
  panic_guide: nonEmptyString('a URL or a sentence').optional(),
});

export const configSchema = z.strictObject({
  Generic: genericSchema.prefault({}),
  WEB: webSchema.prefault({}),
  WatchMan: watchManSchema.prefault({}),
  probes: z.record(safeName, probeSchema, { error: 'expected a map of probes' }).default({}),
  categories: z.record(safeName, categorySchema, { error: 'expected a map of categories' }).default({}),
  actions: z.record(safeName, actionSchema, { error: 'expected a map of actions' }).default({}),
  notifiers: z.record(safeName, notifierSchema, { error: 'expected a map of notifiers' }).default({}),
  Agent: agentSchema.optional(),
});

export type Config = z.output<typeof configSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
export type LogConfig = z.output<typeof logSchema>;
export type GraphiteConfig = z.output<typeof graphiteSchema>;
export type WebConfig = z.output<typeof webSchema>;
export type CategoryConfig = z.output<typeof categorySchema>;
export type PoolConfig = z.output<typeof poolSchema>;
export type ActionConfig = z.output<typeof actionSchema>;
export type NotifierConfig = z.output<typeof notifierSchema>;
export type AgentConfig = z.output<typeof agentSchema>;
