import type { z } from 'zod';
import type { CheckContext, CheckResult, OptionIssue, ProbeModule, RawProbeOptions, Validation } from './types.ts';
import { expectation, schemaProblems } from './zodIssues.ts';

/** A criterion as the check receives it: its label in config.yaml, its type, and its `query` as its schema made it. */
export type CriterionOf<C extends Record<string, z.ZodType>> = {
  [K in keyof C & string]: { type: K; label: string; query: z.output<C[K]> };
}[keyof C & string];

/** What `check` gets as `options`: the probe's `query` and its criteria, both validated by their schemas. */
export interface ProbeOptions<Q extends z.ZodType, C extends Record<string, z.ZodType>> {
  query: z.output<Q>;
  criteria: CriterionOf<C>[];
}

/**
 * A probe module described by data: the schema of its `query`, the schema of each criterion type's
 * `query`, and the check. The loader words every problem the schemas find like any config error
 * (`probes.db.query.port: expected a port number (1-65535), got "x"`, unknown keys with a
 * suggestion), all of them at once; a field wrapped in `secret()` never has its value shown.
 */
export interface ProbeDefinition<Q extends z.ZodType, C extends Record<string, z.ZodType>> {
  /** Equals the file name without extension (`tcp_probe`). */
  name: string;
  /** The schema of `query`; a strict object, so a misspelled key is refused with a suggestion. */
  query: Q;
  /** Per criterion type, the schema of that criterion's `query` (`z.unknown().optional()` when it takes none). */
  criteria: C;
  /** The hard deadline of one check in seconds, from the validated `query` (e.g. its `timeout` key). */
  timeout(query: z.output<Q>): number;
  /** Checks across criteria that one schema cannot see (say, two criteria that contradict each other). */
  refine?(options: ProbeOptions<Q, C>): OptionIssue[];
  check(ctx: CheckContext<ProbeOptions<Q, C>>): Promise<CheckResult>;
}

/** A ProbeModule whose `validate` comes from its schemas; the schemas stay visible for the contract test and the docs. */
export type DefinedProbe<Q extends z.ZodType, C extends Record<string, z.ZodType>> = ProbeModule<ProbeOptions<Q, C>> & {
  readonly schemas: { query: Q; criteria: C };
};

const parseOptions = { reportInput: true, error: expectation } as const;

export function defineProbe<Q extends z.ZodType, C extends Record<string, z.ZodType>>(definition: ProbeDefinition<Q, C>): DefinedProbe<Q, C> {
  const validate = (raw: RawProbeOptions): Validation<ProbeOptions<Q, C>> => {
    const issues: OptionIssue[] = [];
    const query = definition.query.safeParse(raw.query, parseOptions);
    if (!query.success) {
      for (const problem of schemaProblems(query.error.issues, definition.query)) issues.push({ path: ['query', ...problem.path], message: problem.message });
    }
    const criteria: CriterionOf<C>[] = [];
    for (const [label, criterion] of Object.entries(raw.success_criteria ?? {})) {
      const schema = Object.hasOwn(definition.criteria, criterion.type) ? definition.criteria[criterion.type] : undefined;
      // Unknown types are the loader's to report: it lists the types this module has.
      if (!schema) continue;
      const parsed = schema.safeParse(criterion.query, parseOptions);
      if (parsed.success) criteria.push({ type: criterion.type, label, query: parsed.data } as CriterionOf<C>);
      else for (const problem of schemaProblems(parsed.error.issues, schema)) issues.push({ path: ['success_criteria', label, 'query', ...problem.path], message: problem.message });
    }
    if (issues.length > 0 || !query.success) return { ok: false, issues };
    const options: ProbeOptions<Q, C> = { query: query.data, criteria };
    const refined = definition.refine?.(options) ?? [];
    if (refined.length > 0) return { ok: false, issues: refined };
    return { ok: true, options, timeout: definition.timeout(query.data) };
  };
  return {
    name: definition.name,
    criteria: Object.keys(definition.criteria),
    validate,
    check: (ctx) => definition.check(ctx),
    schemas: { query: definition.query, criteria: definition.criteria },
  };
}
