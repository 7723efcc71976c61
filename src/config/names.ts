/**
 * Constants of config.yaml that the responder needs at run time. A module of their own, not in
 * schema.ts: the responder loads no zod (its config is checked in a worker thread:
 * readConfigInWorker.ts).
 */

/** Probe and module names become file names (`<name>.dead`, `<module>.ts`): nothing that can escape a folder. */
export const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/;

/** Every probe is in this category unless it names others; it needs no entry under `categories`. */
export const DEFAULT_CATEGORY = 'default';
