import test from 'ava';
import { PassThrough } from 'node:stream';
import { forEachLine } from '../../src/supervisor/forEachLine.ts';

test('lines split across chunks and inside a UTF-8 character come out whole; blank lines are skipped; the rest of a cut line is dropped', async (t) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  const over = forEachLine(stream, (line) => lines.push(line), 10);
  const euro = Buffer.from('€'); // 3 bytes
  stream.write(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
  stream.write(Buffer.concat([euro.subarray(1), Buffer.from('b\r\n\n  \nabcdefghij')]));
  stream.write('klmnop still the same line\nnext');
  stream.end(' one');
  await over;
  t.deepEqual(lines, ['a€b', 'abcdefghij … (line cut at 10 characters)', 'next one']);
});

test('a line growing past the bound without a newline is passed on cut at once, not buffered, and its rest dropped', async (t) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  const over = forEachLine(stream, (line) => lines.push(line), 10);
  stream.write('y'.repeat(25));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(lines, ['yyyyyyyyyy … (line cut at 10 characters)'], 'before the line ends');
  stream.write('y'.repeat(5000));
  stream.end('zzz\nafter');
  await over;
  t.deepEqual(lines, ['yyyyyyyyyy … (line cut at 10 characters)', 'after']);
});
