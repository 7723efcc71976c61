import { hash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => hash('sha256', text, 'buffer');

/** The configured token's digest, kept until the token changes (a reload): one hash per request, not two. */
let known: { token: string; digest: Buffer } | undefined;

function tokenDigest(token: string): Buffer {
  if (known?.token !== token) known = { token, digest: digest(token) };
  return known.digest;
}

/**
 * Whether an Authorization header carries `Bearer <token>`. Both sides are hashed first so the
 * comparison takes the same time whatever the length or content of the guess (the original's
 * plain `!=` leaked how many leading characters were right). The scheme is case-insensitive
 * (RFC 9110 §11.1); anything but Bearer, or an empty token, never matches.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  // Split by hand, not by a backtracking regex: the header is attacker-controlled and up to 16 KB.
  const value = (header ?? '').trim();
  const space = value.search(/\s/);
  const isBearer = space > 0 && value.slice(0, space).toLowerCase() === 'bearer';
  if (!isBearer) return false;
  const presented = value.slice(space + 1).trim();
  // Answering a missing or non-Bearer header without hashing tells nothing about the token, and
  // keeps a flood of unauthenticated requests cheap.
  if (presented === '') return false;
  return timingSafeEqual(digest(presented), tokenDigest(token));
}
