import { tokenEquals } from './bearerMatches.ts';

/** Longer credentials are not decoded: a token is far shorter, and decoding is work an attacker would choose the size of. */
const MAX_CREDENTIALS_CHARS = 4096;

/**
 * Whether an Authorization header carries HTTP Basic credentials (RFC 7617) whose password is the
 * token, whatever the user name: a browser cannot send a bearer header, but asks for a user and a
 * password when answered 401. The password is compared as a bearer token is (tokenEquals: constant
 * time); the scheme is case-insensitive; anything else never matches.
 */
export function basicPasswordMatches(header: string | undefined, token: string): boolean {
  const value = (header ?? '').trim();
  const space = value.search(/\s/);
  if (space <= 0 || value.slice(0, space).toLowerCase() !== 'basic') return false;
  const encoded = value.slice(space + 1).trim();
  if (encoded === '' || encoded.length > MAX_CREDENTIALS_CHARS) return false;
  const credentials = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon < 0) return false;
  return tokenEquals(credentials.slice(colon + 1), token);
}
