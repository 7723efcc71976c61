import type { z } from 'zod';
import { keyPath } from './keyPath.ts';
import { secretSchemas } from './secret.ts';
import { showValue } from './showValue.ts';
import { didYouMean } from './suggest.ts';

type Issue = z.core.$ZodIssue & { input?: unknown };
type AnySchema = z.core.$ZodType;

/** One problem found by a schema, `path` from the schema's root, `message` without the path. */
export interface SchemaProblem {
  path: (string | number)[];
  message: string;
}

/** The schemas met walking `path` down from `schema`, looking through defaults, optionals, records, arrays and secrets. */
function schemasAlong(schema: AnySchema, path: readonly PropertyKey[]): { node: AnySchema | undefined; seen: AnySchema[] } {
  let node: AnySchema | undefined = schema;
  const seen: AnySchema[] = [];
  const rest = [...path];
  while (node) {
    seen.push(node);
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable' || def.type === 'readonly' || def.type === 'catch') {
      node = def['innerType'] as AnySchema;
    } else if (def.type === 'pipe') {
      node = def['in'] as AnySchema;
    } else if (rest.length === 0) {
      break;
    } else if (def.type === 'object') {
      node = (def['shape'] as Record<string, AnySchema>)[String(rest.shift())];
    } else if (def.type === 'record') {
      rest.shift();
      node = def['valueType'] as AnySchema;
    } else if (def.type === 'array') {
      rest.shift();
      node = def['element'] as AnySchema;
    } else {
      return { node: undefined, seen };
    }
  }
  return { node, seen };
}

/** The keys an object schema at `path` accepts. */
function knownKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  const { node } = schemasAlong(schema, path);
  const def = node?._zod.def as unknown as (Record<string, unknown> & { type: string }) | undefined;
  return def?.type === 'object' ? Object.keys(def['shape'] as Record<string, AnySchema>) : [];
}

/** Whether the value at `path` is a secret, or inside one. */
function isSecretAt(schema: AnySchema, path: readonly PropertyKey[]): boolean {
  return schemasAlong(schema, path).seen.some((s) => secretSchemas.has(s));
}

/** Generic "expected …" texts for issues whose schema gave none. */
export function expectation(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'expected a map' : issue.expected === 'array' ? 'expected a list' : `expected a ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `expected a valid value (${issue.message ?? issue.code})`;
  }
}

/** Turns zod's issues into one `{ path, message }` per problem, in config-error wording; secrets' values are never shown. */
export function schemaProblems(issues: readonly Issue[], schema: AnySchema): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) problems.push({ path: [...path, key], message: `unknown key${didYouMean(key, known)}; expected one of ${known.join(', ')}` });
    } else if (issue.code === 'invalid_key') {
      problems.push({ path, message: `bad name, ${issue.issues[0]?.message ?? 'expected a valid name'}` });
    } else if (issue.input === undefined && issue.code === 'invalid_type') {
      problems.push({ path, message: `missing${issue.message.startsWith('expected') ? ', ' : ': '}${issue.message}` });
    } else if (isSecretAt(schema, issue.path)) {
      problems.push({ path, message: `${issue.message} (the value is a secret: not shown)` });
    } else {
      problems.push({ path, message: `${issue.message}, got ${showValue(issue.input)}` });
    }
  }
  return problems;
}

/** Turns zod's issues into `key.path: expected …, got …` lines, one per problem. */
export function formatIssues(issues: readonly Issue[], schema: AnySchema): string[] {
  return schemaProblems(issues, schema).map(({ path, message }) => `${keyPath(path)}: ${message}`);
}
