import { z } from 'zod';

/**
 * Schemas whose values are secrets (passwords, header values, tokens): a config error about one
 * says what was expected but never shows the value, and modules keep them out of reasons and logs.
 */
export const secretSchemas = z.registry<{ secret: true }>();

/** Marks `schema` as holding a secret; returns it, so it reads inline: `pass: secret(z.string())`. */
export function secret<S extends z.ZodType>(schema: S): S {
  secretSchemas.add(schema, { secret: true });
  return schema;
}
