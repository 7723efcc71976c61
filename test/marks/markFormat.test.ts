import test from 'ava';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ACK_MS, formatMark, MAX_ACK_MS, parseMark } from '../../src/marks/markFormat.ts';
import { readMarks } from '../../src/marks/readMarks.ts';

const T = Date.UTC(2030, 0, 31, 12, 0, 0);

test('what formatMark writes, parseMark reads back', (t) => {
  const text = formatMark({ reason: 'moving racks', by: 'alice', at: T, until: T + 1800_000 });
  t.like(parseMark('drain', undefined, 'drain', text, 0), { reason: 'moving racks', by: 'alice', at: T, until: T + 1800_000, problem: undefined });
});

test('hand-made: a drain lasts until removed; an ack ends a day after the file was written', (t) => {
  t.like(parseMark('drain', undefined, 'drain', 'moving racks\n', T), { reason: 'moving racks', by: undefined, at: T, until: undefined });
  t.like(parseMark('ack', 'db', 'acks/db', 'known issue\n', T), { reason: 'known issue', until: T + DEFAULT_ACK_MS });
  t.like(parseMark('drain', undefined, 'drain', '', T), { reason: '(no reason given)', problem: undefined }, 'an empty drain file still drains');
});

test('an ack never lasts more than 30 days after it was made, whatever its until: says', (t) => {
  t.is(parseMark('ack', 'db', 'acks/db', 'x\nat: 2030-01-31T12:00:00Z\nuntil: 2031-01-01T00:00:00Z\n', 0).until, T + MAX_ACK_MS);
});

test('unparseable: a bad time, a stranger line, an ack without a reason', (t) => {
  t.regex(parseMark('ack', 'db', 'acks/db', 'x\nuntil: tomorrow\n', T).problem ?? '', /until: "tomorrow" is not a time/);
  t.regex(parseMark('drain', undefined, 'drain', 'x\nowner: bob\n', T).problem ?? '', /cannot parse the line "owner: bob"/);
  t.regex(parseMark('ack', 'db', 'acks/db', '\n', T).problem ?? '', /no reason/);
});

test('readMarks: the DC files, the subfolders, mtimes for hand-made files; temp files and odd names ignored', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-readmarks-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  await Promise.all(['acks', 'drains', 'sticky'].map((sub) => mkdir(path.join(folder, sub))));
  await writeFile(path.join(folder, 'drain'), 'moving racks\n');
  await utimes(path.join(folder, 'drain'), T / 1000, T / 1000);
  await writeFile(path.join(folder, 'acks', 'db'), 'known\n');
  await writeFile(path.join(folder, 'acks', '.db.123.tmp'), 'half');
  await writeFile(path.join(folder, 'drains', 'search'), formatMark({ reason: 'reindexing', by: 'alice', at: T, until: undefined }));
  await mkdir(path.join(folder, 'sticky', 'not-a-file'));
  const marks = await readMarks(folder);
  t.deepEqual(marks.drains.map((m) => [m.target, m.reason, m.at]), [[undefined, 'moving racks', T], ['search', 'reindexing', T]]);
  t.deepEqual(marks.acks.map((m) => m.target), ['db']);
  t.deepEqual(marks.sticky, []);
  t.deepEqual(marks.maint, []);
  await writeFile(path.join(folder, 'maint'), 'new switches\nuntil: 2030-01-31T14:00:00Z\n');
  t.like((await readMarks(folder)).maint, [{ kind: 'maint', target: undefined, reason: 'new switches', until: T + 2 * 3600_000, problem: undefined }]);
  await writeFile(path.join(folder, 'maint'), 'new switches\nwhen: later\n');
  t.regex((await readMarks(folder)).maint[0]?.problem ?? '', /cannot parse the line "when: later"/, 'a maint file that cannot be parsed is a maint with a problem: it still holds');
  t.deepEqual(await readMarks(path.join(folder, 'missing')), { acks: [], drains: [], sticky: [], maint: [] });
});
