import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/ConfigError.ts';
import type { WebConfig } from '../config/schema.ts';

export const TOKEN_ENV = 'DEADPOOL_ACCESS_TOKEN';

export interface AccessToken {
  /** undefined: no token anywhere, the responder is open (the CLI warns). */
  token: string | undefined;
  /** Where it came from, for the start-up log line (never log the token itself). */
  from: typeof TOKEN_ENV | 'WEB.access_token_file' | 'WEB.access_token' | undefined;
}

/**
 * The bearer token, most specific source first: the environment variable, then the file named by
 * `WEB.access_token_file`, then `WEB.access_token`. That is the order operators expect from
 * twelve-factor tools: the deployment (systemd `Environment=`, a container secret) overrides
 * what is committed with config.yaml, and a secret file beats a value written in the YAML itself.
 * An empty variable counts as unset (a blank `DEADPOOL_ACCESS_TOKEN=` in a unit file is a
 * leftover, not a wish to open the responder). A file is read only when it is the one in use, and
 * a file in use that is missing or empty is an error: silently falling back would open the door.
 * `access_token_file` is already absolute (loadConfig resolves it against config.yaml's folder).
 */
export async function readToken(web: Pick<WebConfig, 'access_token' | 'access_token_file'>, env: NodeJS.ProcessEnv = process.env): Promise<AccessToken> {
  const fromEnv = env[TOKEN_ENV]?.trim();
  if (fromEnv) return { token: fromEnv, from: TOKEN_ENV };

  const file = web.access_token_file;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ConfigError([`WEB.access_token_file: cannot read the token file ${file} (${code})`]);
    }
    const token = text.trim();
    if (token === '') throw new ConfigError([`WEB.access_token_file: the token file ${file} is empty`]);
    if (/[\r\n]/.test(token)) throw new ConfigError([`WEB.access_token_file: the token file ${file} has more than one line; expected only the token`]);
    return { token, from: 'WEB.access_token_file' };
  }

  if (web.access_token !== undefined) {
    // Trimmed like the presented token is, or a stray space in the YAML would lock everyone out.
    const token = web.access_token.trim();
    if (token === '') throw new ConfigError(['WEB.access_token: expected a non-empty token, got only spaces']);
    return { token, from: 'WEB.access_token' };
  }
  return { token: undefined, from: undefined };
}
