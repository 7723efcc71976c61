import { z } from 'zod';
import { compilePythonRegex } from './pythonRegex.ts';

const REGEX_EXPECTED = 'expected a regular expression';

/**
 * The schema of every `re_search` criterion: a Python pattern, compiled once at load into
 * `{ pattern, regex }` (reasons quote the pattern as written). A pattern Python refuses, or one
 * DeadPool cannot run faithfully, is a config error worded the same for every probe type.
 */
export const pythonPattern = z
  .string({ error: REGEX_EXPECTED })
  .min(1, { error: REGEX_EXPECTED })
  .transform((pattern, ctx) => {
    const compiled = compilePythonRegex(pattern);
    if (compiled.ok) return { pattern, regex: compiled.regex };
    ctx.issues.push({
      code: 'custom',
      input: pattern,
      message:
        compiled.kind === 'invalid'
          ? `expected a Python regular expression (${compiled.message})`
          : `expected a Python regular expression DeadPool can run (this one ${compiled.message})`,
    });
    return z.NEVER;
  });
