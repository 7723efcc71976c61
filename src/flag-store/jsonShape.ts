/**
 * Checks of parsed JSON for what the two processes hand each other (the state file, the socket's
 * lines). Plain functions, not zod: the responder reads these many times a second and loads no
 * zod at all (zod and the config's schemas cost it 4-5 MB of heap and RSS; the config is checked
 * in a worker thread, `readConfigInWorker.ts`). The config, the probes' options and their
 * criteria, which users write, keep their zod schemas and messages.
 */
export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export const isString = (value: unknown): value is string => typeof value === 'string';

/** An array of `type`, by a plain loop: the state file holds tens of thousands of names and numbers. */
export function isArrayOf<T extends 'string' | 'number'>(value: unknown, type: T): value is (T extends 'string' ? string : number)[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== type) return false;
  return true;
}

/** An object whose every value passes `check`. */
export function isObjectOf<T>(value: unknown, check: (item: unknown) => item is T): value is Record<string, T> {
  if (!isObject(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key) && !check(value[key])) return false;
  return true;
}
