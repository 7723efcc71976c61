import { readFile } from 'node:fs/promises';

/** Where a secret option may come from: written in config.yaml, a file, or an environment variable. */
export interface SecretSources {
  value?: string | undefined;
  file?: string | undefined;
  env?: string | undefined;
}

export class SecretError extends Error {
  override name = 'SecretError';
}

/**
 * A secret from `<key>`, `<key>_file` or `<key>_env`, most specific first (the environment, then the
 * file, then the value itself), as the responder reads its token. A named file or variable that is
 * missing or empty is an error, never a silent fallback. Messages name the source, never the value.
 * Read at every check, so a rotated password is used without a reload.
 */
export async function readSecret(key: string, sources: SecretSources, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (sources.env !== undefined) {
    const value = env[sources.env];
    if (value === undefined || value === '') throw new SecretError(`${key}_env: the environment variable ${sources.env} is not set`);
    return value;
  }
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (error) {
      throw new SecretError(`${key}_file: cannot read ${sources.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value === '') throw new SecretError(`${key}_file: ${sources.file} is empty`);
    return value;
  }
  return sources.value;
}
