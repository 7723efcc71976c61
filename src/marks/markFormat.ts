import type { Mark, MarkKind } from './Mark.ts';

/** CoCo's service acks expire after a day unless told otherwise, and never last more than a month. */
export const DEFAULT_ACK_MS = 24 * 3600_000;
export const MAX_ACK_MS = 30 * 24 * 3600_000;

export interface MarkFields {
  reason: string;
  by: string;
  at: number;
  until: number | undefined;
}

/**
 * Made for `cat`, like a flag: the reason on the first line, then labelled facts. A file holding
 * only a reason (`echo "moving racks" > probe-status/drain`) is valid: made by hand.
 */
export function formatMark({ reason, by, at, until }: MarkFields): string {
  return [oneLine(reason), `by:    ${oneLine(by)}`, `at:    ${isoSeconds(at)}`, ...(until === undefined ? [] : [`until: ${isoSeconds(until)}`]), ''].join('\n');
}

const FACT = /^(by|at|until):\s*(.*)$/;

/**
 * A mark file's text as a Mark. `mtimeMs` stands in for a missing `at:` line. An ack always ends:
 * at its `until:` line, else a day after it was made, and never more than 30 days after. Lines
 * after the first that are not `by:`, `at:` or `until:` make the file unparseable (`problem`).
 */
export function parseMark(kind: MarkKind, target: string | undefined, file: string, text: string, mtimeMs: number): Mark {
  const lines = text.split(/\r?\n/);
  const reason = oneLine(lines[0] ?? '');
  const mark: Mark = { kind, target, file, reason: reason || '(no reason given)', by: undefined, at: mtimeMs, until: undefined };
  const fail = (problem: string): Mark => ({ ...mark, problem });
  if (kind === 'ack' && reason === '') return fail('no reason on its first line');
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fact = FACT.exec(line.trim());
    if (!fact) return fail(`cannot parse the line "${oneLine(line).slice(0, 80)}" (expected by:, at: or until:)`);
    const [, key, value = ''] = fact;
    if (key === 'by') {
      mark.by = oneLine(value) || undefined;
      continue;
    }
    const time = Date.parse(value);
    if (!Number.isFinite(time)) return fail(`${key}: "${oneLine(value).slice(0, 40)}" is not a time (expected e.g. 2030-01-31T12:00:00Z)`);
    if (key === 'at') mark.at = time;
    else mark.until = time;
  }
  if (kind === 'ack') mark.until = Math.min(mark.until ?? mark.at + DEFAULT_ACK_MS, mark.at + MAX_ACK_MS);
  return mark;
}

/** `2030-01-31T12:00:00Z`: what operators read and type; milliseconds only add noise. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}
