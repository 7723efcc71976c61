import { timingSafeEqual } from 'node:crypto';

/**
 * The configured token's bytes, kept until the token changes (a reload), and a buffer of the same
 * size the presented token is copied into: no allocation per request (a Buffer per request took
 * the responder's RSS after a throughput run from 78 to 94 MB).
 */
let known: { token: string; bytes: Buffer; scratch: Buffer } | undefined;

function forToken(token: string): { bytes: Buffer; scratch: Buffer } {
  if (known?.token !== token) {
    const bytes = Buffer.from(token);
    known = { token, bytes, scratch: Buffer.alloc(bytes.length) };
  }
  return known;
}

/**
 * Whether an Authorization header carries `Bearer <token>`, in time that does not depend on the
 * guess: the copy and the comparison always run over the token's length, and a guess of another
 * length is replaced by the token itself, so it costs exactly what a wrong guess of the right length costs
 * (the original's plain `!=` leaked how many leading characters were right). The scheme is
 * case-insensitive (RFC 9110 §11.1); anything but Bearer, or an empty token, never matches.
 *
 * Not hashed first: a SHA-256 per request cost the responder 3.5 µs of its 13 µs per answer
 * (BENCHMARKS.md), and the substitution above gives the same guarantee.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  // Split by hand, not by a backtracking regex: the header is attacker-controlled and up to 16 KB.
  const value = (header ?? '').trim();
  const space = value.search(/\s/);
  const isBearer = space > 0 && value.slice(0, space).toLowerCase() === 'bearer';
  if (!isBearer) return false;
  const presented = value.slice(space + 1).trim();
  // Answering a missing or non-Bearer header without comparing tells nothing about the token, and
  // keeps a flood of unauthenticated requests cheap.
  if (presented === '') return false;
  return tokenEquals(presented, token);
}

/** Whether a presented token is the token, in time that does not depend on the guess (see bearerMatches); never for an empty one. */
export function tokenEquals(presented: string, token: string): boolean {
  if (presented === '') return false;
  const { bytes, scratch } = forToken(token);
  const sameLength = Buffer.byteLength(presented) === bytes.length;
  // Either way the same number of bytes is copied and compared.
  scratch.write(sameLength ? presented : token);
  return timingSafeEqual(scratch, bytes) && sameLength;
}
