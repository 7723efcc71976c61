import type { z } from 'zod';
import { showValue } from '../probe-api/showValue.ts';
import { keyPath } from './ConfigError.ts';
import { didYouMean } from '../probe-api/suggest.ts';

type Issue = z.core.$ZodIssue & { input?: unknown };
type AnySchema = z.core.$ZodType;

/** The keys an object schema at `path` accepts, looking through defaults, optionals and records. */
function knownKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let node: AnySchema | undefined = schema;
  let rest = [...path];
  while (node) {
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional') {
      node = def['innerType'] as AnySchema;
    } else if (def.type === 'object') {
      const shape = def['shape'] as Record<string, AnySchema>;
      if (rest.length === 0) return Object.keys(shape);
      node = shape[String(rest.shift())];
    } else if (def.type === 'record' && rest.length > 0) {
      rest.shift();
      node = def['valueType'] as AnySchema;
    } else {
      return [];
    }
  }
  return [];
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

/** Turns zod's issues into `key.path: expected …, got …` lines, one per problem. */
export function formatIssues(issues: readonly Issue[], schema: AnySchema): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        lines.push(`${keyPath([...issue.path, key])}: unknown key${didYouMean(key, known)}; expected one of ${known.join(', ')}`);
      }
    } else if (issue.code === 'invalid_key') {
      const inner = issue.issues[0];
      lines.push(`${keyPath(issue.path)}: bad name, ${inner?.message ?? 'expected a valid name'}`);
    } else if (issue.input === undefined && issue.code === 'invalid_type') {
      lines.push(`${keyPath(issue.path)}: missing${issue.message.startsWith('expected') ? ', ' : ': '}${issue.message}`);
    } else {
      lines.push(`${keyPath(issue.path)}: ${issue.message}, got ${showValue(issue.input)}`);
    }
  }
  return lines;
}
