/** Control characters (except newline) and C1 controls: in a text/plain body they garble terminals and logs. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * The first line of free text (a flag's content, a server name) made safe for one line of a
 * plain-text answer: a lone "\r" counts as a line break, other controls become spaces, and a
 * line longer than `maxChars` is cut with "…" so one chatty reason cannot crowd out the others.
 * Empty text gives "" (callers decide what "nothing" means to them).
 */
export function plainLine(text: string, maxChars = Infinity): string {
  const line = (text.split(/\r\n?|\n/, 1)[0] ?? '').replace(CONTROL, ' ').trim();
  if (line.length <= maxChars) return line;
  return line.slice(0, Math.max(0, maxChars - 1)).trimEnd() + '…';
}
