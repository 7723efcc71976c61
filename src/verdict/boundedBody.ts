/** Cloudflare reads 10 KB at most and shows none of it; the body is for a human with curl. */
export const MAX_BODY_BYTES = 4096;
/** One chatty reason must leave room for the other lines. */
export const MAX_REASON_CHARS = 300;

/**
 * The header and as many lines as fit under MAX_BODY_BYTES, then `… and N more`; ends with a
 * newline. Room for that last line is kept free from the start, so it always fits.
 */
export function boundedBody(header: string, lines: readonly string[]): string {
  const kept = [header];
  let bytes = Buffer.byteLength(header) + 1;
  const reserve = Buffer.byteLength(`… and ${lines.length} more\n`);
  for (const [index, line] of lines.entries()) {
    const size = Buffer.byteLength(line) + 1;
    const isLast = index === lines.length - 1;
    if (bytes + size + (isLast ? 0 : reserve) >= MAX_BODY_BYTES) {
      kept.push(`… and ${lines.length - index} more`);
      break;
    }
    kept.push(line);
    bytes += size;
  }
  return kept.join('\n') + '\n';
}
