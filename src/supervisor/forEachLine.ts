import type { Readable } from 'node:stream';

/** Longer lines are cut: a child printing megabytes without a newline must not grow the supervisor's memory. */
export const MAX_LINE_CHARS = 8192;

/**
 * Calls `onLine` for every non-blank line of `stream` (without its `\n` or `\r\n`), including a
 * last line that has no newline. A line longer than `maxChars` is passed on cut, as soon as it is
 * that long, and the rest of it is dropped. Resolves once the stream is over.
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void, maxChars = MAX_LINE_CHARS): Promise<void> {
  // Decoded by the stream, so a UTF-8 character split between two chunks stays whole.
  stream.setEncoding('utf8');
  let partial = '';
  /** The current line was already passed on cut: drop it up to its newline. */
  let cutting = false;
  const emit = (line: string): void => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() !== '') onLine(text.length > maxChars ? `${text.slice(0, maxChars)} … (line cut at ${maxChars} characters)` : text);
  };
  stream.on('data', (chunk: string) => {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      if (!cutting) emit(partial + chunk.slice(start, newline));
      partial = '';
      cutting = false;
      start = newline + 1;
    }
    if (cutting) return;
    partial += chunk.slice(start);
    if (partial.length > maxChars) {
      emit(partial);
      partial = '';
      cutting = true;
    }
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (!cutting) emit(partial);
      partial = '';
      resolve();
    };
    stream.once('end', finish);
    // 'close' without 'end': the stream was destroyed (an error); what arrived still counts.
    stream.once('close', finish);
    stream.on('error', () => {});
  });
}
