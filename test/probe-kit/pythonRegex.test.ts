import { readdirSync, readFileSync } from 'node:fs';
import test from 'ava';
import { compilePythonRegex } from '../../src/probe-kit/pythonRegex.ts';
import { askPython, type PythonAnswers } from '../helpers/pythonRe.ts';

/**
 * Differential: every pattern is searched by python3's own `re.search` and by DeadPool's translation,
 * and both must find the same thing (or nothing). Texts are what health endpoints answer, plus the
 * corners where Python and JavaScript read a pattern differently.
 */
const SEARCHES: [string, string][] = [
  // Anchors and newlines
  ['green .*100\\.0%$', '1700000000 12:00:00 elasticsearch green 3 3 10 5 0 0 0 0 - 100.0%\n'],
  ['green$', 'green\n'],
  ['green$', 'green\n\n'],
  ['green$', 'green'],
  ['green\\Z', 'green\n'],
  ['green\\Z', 'green'],
  ['\\Agreen', 'green'],
  ['\\Agreen', 'x\ngreen'],
  ['^green', 'x\ngreen'],
  ['(?m)^green', 'x\ngreen'],
  ['(?m)green$', 'green\nx'],
  ['(?m)^$', 'a\n\nb'],
  ['(?m)^$', 'a\n'],
  ['^$', '\n'],
  ['^$', ''],
  ['$', 'ab\n'],
  ['\\Z', 'abc\n'],
  ['a$', 'a\r\n'],
  ['(?m)a$', 'a\r\nb'],
  ['(?m)^b', 'a\rb'],
  ['(?m)^b', 'a\u2028b'],
  ['.+', 'ab\r\ncd'],
  ['.+', 'x\u2028y\u2029z'],
  ['(?s).+', 'a\nb'],
  ['a.c', 'a\nc'],
  ['(?m).+$', 'one\ntwo\n'],
  ['\\d+$', '123\n'],
  ['^\\s*$', '   \n'],
  ['(?m)^\\w+', '  \nfoo'],
  ['(?ms)^a.b$', 'x\na\nb'],
  // Classes, Unicode-aware as in Python 3
  ['\\d+', 'abc ١٢٣ def'],
  ['\\d', '²'],
  ['\\w+', 'héllo wörld'],
  ['\\w+', 'Ⅻ'],
  ['\\w', '½'],
  ['\\w+', '日本語テキスト'],
  ['\\W+', 'a—b'],
  ['\\s+', 'a\x1cb'],
  ['\\s', '\ufeff'],
  ['\\s', '\x85'],
  ['\\S+', 'a\u00a0b'],
  ['\\bgreen\\b', 'égreen'],
  ['\\bcafé\\b', 'un café.'],
  ['\\B', ''],
  ['\\B', 'a'],
  ['\\B', ' '],
  ['a\\B', 'ab'],
  ['(?a)\\w+', 'héllo'],
  ['(?a)\\d', '١'],
  ['(?a)\\bh', 'éh'],
  ['(?a)\\s', '\u00a0'],
  ['[\\w-]+', 'foo-bär'],
  ['[^\\W\\d]+', 'abc123'],
  ['[\\s\\d]+', ' 1 2'],
  ['[\\S]+', 'ab cd'],
  ['[\\D]+', '12ab'],
  ['[a-f\\d]+', 'deadbeef99z'],
  ['[]]', 'a]'],
  ['[^]]+', 'ab]'],
  ['[a-]+', 'a-a'],
  ['[-a]+', '-a'],
  ['[\\]]', ']'],
  ['[\\b]', 'x\by'],
  ['[^a-z]', 'abcD'],
  ['[\\x41-\\x43]+', 'ABCD'],
  ['\\x41\\u00e9\\U0001F600', 'Aé😀'],
  ['😀+', 'x😀😀'],
  ['.', '😀'],
  ['[😀-😂]', '😁'],
  ['\\101', 'A'],
  ['\\0', 'a\0'],
  ['\\.\\-\\%', '.-%'],
  ['[.*+?]+', 'a.*+?'],
  ['[&&]+', 'a&&b'],
  ['\\t\\n\\r\\f\\v\\a', '\t\n\r\f\v\x07'],
  // Case-insensitive
  ['(?i)GREEN', 'status: green'],
  ['(?i)straße', 'STRASSE'],
  ['(?i)é', 'É'],
  ['(?i)[a-z]+', 'ABC'],
  ['(?i)k', '\u212a'],
  ['(?i)σ', 'ς'],
  ['(?ai)é', 'É'],
  ['(?ai)k', '\u212a'],
  ['(?ai)[a-z]+', 'ABC'],
  ['(?a)(?i:abc)', 'ABC'],
  ['(?ai)(?-i:abc)', 'ABC'],
  ['(?i)[^a]', 'A'],
  ['(?i)\\w+', 'ÀÉ'],
  ['(?i)(?m)^ok$', 'x\nOK\n'],
  ['(?i)[h-j]+', 'İı'],
  ['(?i)ı', 'I'],
  ['(?i)[^i]', 'İx'],
  ['(?i)[\u0130-\u0131]', 'i'],
  // Verbose mode
  ['(?x) green \\s+ \\d+ # count\n  %', 'green 42%'],
  ['(?x)a\\ b', 'a b'],
  ['(?x)[ ]', 'a b'],
  ['(?x)a # comment with ) and (\n b', 'ab'],
  ['(?x) a + b', 'aaab'],
  ['(?x)a\\#b', 'a#b'],
  ['(?ix) G R E E N', 'green'],
  ['(?x:a b) c', 'ab c'],
  ['(?x)a{2, 3}', 'a{2,3}'],
  ['(?x)(?# a comment ) x', 'x'],
  // Named groups, backreferences, atomic groups, possessive quantifiers
  ['(?P<word>\\w+) (?P=word)', 'say hello hello'],
  ['(\\w)\\1', 'abccd'],
  ['(?P<q>["\'])(.*?)(?P=q)', 'x "a" y'],
  ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10', 'abcdefghijj'],
  ['(a)\\1{2}', 'aaa'],
  ['(?i)(\\w+) \\1', 'Hello HELLO'],
  ['(?:(a)b)+\\1', 'ababa'],
  ['(?>a|ab)c', 'abc'],
  ['(?>a+)b', 'aaab'],
  ['(?>(a))\\1', 'aa'],
  ['a++a', 'aaa'],
  ['a*+b', 'aab'],
  ['(?:ab)?+c', 'abc'],
  ['x{2,}+', 'xxxx'],
  ['\\d{1,3}+\\d', '1234'],
  ['(a)(?>b)(c)\\2', 'abcc'],
  // Python's braces
  ['a{,3}', 'aaaaa'],
  ['a{,}', 'aaa'],
  ['a{2}', 'aaa'],
  ['a{2,}', 'aaaa'],
  ['a{,2}?b', 'aab'],
  ['a{}', 'a{}'],
  ['a{x}', 'a{x}'],
  ['{', '{'],
  ['a{1', 'a{1'],
  ['a{1,2', 'a{1,2'],
  ['}', '}'],
  ['x{1}{', 'x{'],
  ['\\d{2,3}?', '12345'],
  // Look-arounds and comments
  ['(?<=green )\\d+', 'green 42'],
  ['(?<!red )\\bok', 'red ok, ok'],
  ['foo(?=bar)', 'foobaz foobar'],
  ['foo(?!bar)', 'foobar foobaz'],
  ['(?<=\\d{3})x', '123x'],
  ['(?<=a|b)c', 'bc'],
  ['(?<=(a))\\1', 'aa'],
  ['(?=a)*b', 'b'],
  ['gr(?#comment)een', 'green'],
  ['a(?#c)*', 'aaa'],
  // Alternation and repetition corners
  ['green|yellow', 'cluster is yellow'],
  ['(?:green|yellow) \\d', 'yellow 3'],
  ['a|ab', 'ab'],
  ['(a|)+b', 'aab'],
  ['(a*)*b', 'aab'],
  ['(a*)+$', 'aa'],
  ['(?:a|)*?b', 'ab'],
  ['(a|)+', 'aa'],
  ['(\\d*\\.?)+', 'v1.2.3'],
  ['(a?)*?c', 'aac'],
  ['x*', 'yyy'],
  ['', 'abc'],
  // What health endpoints answer
  ['"status"\\s*:\\s*"(green|yellow)"', '{"cluster_name":"es","status":"green"}'],
  ['^OK$', 'OK\n'],
  ['(?i)^ok', 'OK\r\n'],
  ['"ok":\\s*true', '{"ok": true}'],
  ['\\bUP\\b', 'status=UP'],
  ['^[0-9]+ [0-9:]+ \\S+ green ', '1700000000 12:00:00 elasticsearch green 3 3'],
  ['(?m)^Uptime: \\d+$', 'Version: 1\r\nUptime: 5\r\n'],
  ['(?s)<body>.*</body>', '<body>\nok\n</body>'],
  ['\\$\\d+\\.\\d{2}', 'cost $10.50'],
  ['^\\s*$', ''],
  ['elasticsearch+ green+', '1700000000 10:00:00 elasticsearch yellow 3 3'],
];

/** Python refuses these: DeadPool must too, with Python's own message. */
const INVALID = [
  '(?L)a',
  'a(',
  '(?<n>a)',
  '\\z',
  '(?<=a+)',
  'elasticsearch+ (green',
  '(?i',
  '(?P<1>a)',
  '(?P=x)',
  '(?P<a>x)(?P<a>y)',
  'a**',
  'a*?+',
  '^*',
  '\\b+',
  'a{3,2}',
  '[b-a]',
  '[\\d-z]',
  '[a',
  '\\1(a)',
  '(a\\1)',
  'a)',
  '\\x1',
  '\\u12',
  '\\U00110000',
  '\\400',
  '[\\400]',
  '\\q',
  '[\\A]',
  'x(?i)',
  '(?i)(?x)a|(?m)b',
  '(?-a:x)',
  '(?au)x',
  '(?i-i:x)',
  '(?ix',
  '(?z)',
  '(?<=(a)\\1)',
  'a{4294967295}',
  "(?P<a'b>x)",
  '(?#abc',
  '\\N',
  '\\N{EM DASH',
  'abc\\',
  'a\n(',
  '(?P',
];

/** Python runs these; DeadPool cannot, and says which construct and why. */
const UNSUPPORTED: [string, string][] = [
  [
    '(?i:green) cluster',
    'uses (?i:…) to change case-insensitive matching for part of the pattern, which DeadPool cannot run: Node 20 has no modifier groups; put the flags at the start of the pattern instead, as (?i)',
  ],
  [
    '(?i)status: (?-i:GREEN)',
    'uses (?-i:…) to change case-insensitive matching for part of the pattern, which DeadPool cannot run: Node 20 has no modifier groups; put the flags at the start of the pattern instead, as (?i)',
  ],
  [
    '(?i)(?a:é)',
    'uses (?a:…) to change case-insensitive matching for part of the pattern, which DeadPool cannot run: Node 20 has no modifier groups; put the flags at the start of the pattern instead, as (?i)',
  ],
  ['(a)?(?(1)b|c)', 'uses (?(1)…), a conditional group, which DeadPool cannot run: JavaScript has no conditionals'],
  ['\\N{EM DASH}', 'uses \\N{EM DASH}, a character by its Unicode name, which DeadPool cannot run: write the character itself or its \\u escape'],
  [
    '(a)?b\\1',
    'uses the backreference \\1 to a group that may not take part in the match, which DeadPool cannot run: where Python fails such a backreference, JavaScript matches it as an empty string',
  ],
  [
    '(?:(?P<x>a)|b)+(?P=x)',
    'uses the backreference (?P=x) to a group that may not take part in the match, which DeadPool cannot run: where Python fails such a backreference, JavaScript matches it as an empty string',
  ],
  [
    '(?!(a))b\\1',
    'uses the backreference \\1 to a group that may not take part in the match, which DeadPool cannot run: where Python fails such a backreference, JavaScript matches it as an empty string',
  ],
  ['(?<=(?>ab))c', 'uses (?>…) inside a look-behind, which DeadPool cannot run'],
  ['(?<=a{2}+)c', 'uses the possessive a{2}+ inside a look-behind, which DeadPool cannot run'],
  [
    '(|a)+',
    'uses (|a)+, a repetition of something that can match an empty string before it matches text, which DeadPool cannot run: Python ends the repetition at the empty match, JavaScript tries the text',
  ],
  [
    '(?:a??b?)*c',
    'uses (?:a??b?)*, a repetition of something that can match an empty string before it matches text, which DeadPool cannot run: Python ends the repetition at the empty match, JavaScript tries the text',
  ],
  ['(?ai)(a)\\1', 'uses the backreference \\1 with (?a) and (?i) together, which DeadPool cannot run'],
];

/** Classes compared on every code point both Unicode databases assign. */
const CLASSES = ['\\d', '\\w', '\\s', '\\D', '\\W', '\\S', '(?a)\\w', '(?a)\\d', '(?a)\\s', '.', '(?i)[a-z]', '[^\\W\\d_]'];

let python: PythonAnswers;
test.before(() => {
  python = askPython({ searches: SEARCHES, compiles: [...INVALID, ...UNSUPPORTED.map(([pattern]) => pattern)], classes: CLASSES });
});

const shown = (text: string): string => JSON.stringify(text);

test('the table is large enough to mean something', (t) => {
  t.true(SEARCHES.length >= 100);
  t.is(new Set(SEARCHES.map(([p, s]) => `${p}\0${s}`)).size, SEARCHES.length, 'no pair twice');
});

SEARCHES.forEach(([pattern, text], i) => {
  test(`#${i} re.search(${shown(pattern)}, ${shown(text)}) finds what Python finds`, (t) => {
    const expected = python.searches[i];
    if (expected === undefined) return t.fail('python gave no answer');
    t.is(expected.error, null, 'python refused a pattern of the search table');
    const compiled = compilePythonRegex(pattern);
    if (!compiled.ok) return t.fail(`DeadPool refused it: ${compiled.message}`);
    t.false(compiled.regex.sticky || compiled.regex.global, 're.search is unanchored and stateless');
    const found = compiled.regex.exec(text);
    t.is(found === null ? null : found[0], expected.match);
    t.is(compiled.regex.test(text), expected.match !== null);
  });
});

INVALID.forEach((pattern, i) => {
  test(`invalid in Python, invalid here, with Python's message: ${shown(pattern)}`, (t) => {
    const pythonMessage = python.compiles[i];
    if (pythonMessage === null || pythonMessage === undefined) return t.fail('python accepts it: it does not belong in this list');
    t.deepEqual(compilePythonRegex(pattern), { ok: false, kind: 'invalid', message: pythonMessage });
  });
});

UNSUPPORTED.forEach(([pattern, message], i) => {
  test(`valid in Python, a config error here that names the construct: ${shown(pattern)}`, (t) => {
    t.is(python.compiles[INVALID.length + i], null, 'python must accept it, or it belongs with the invalid ones');
    t.deepEqual(compilePythonRegex(pattern), { ok: false, kind: 'unsupported', message });
  });
});

/** Every code point both sides know, except lone surrogates, which a JavaScript string cannot hold as Python does. */
function* assignedInBoth(assigned: [number, number][]): Generator<number> {
  for (const [from, to] of assigned) {
    for (let c = from; c <= to; c++) if (!(c >= 0xd800 && c < 0xe000) && !/\p{Cn}/u.test(String.fromCodePoint(c))) yield c;
  }
}

CLASSES.forEach((pattern, i) => {
  test(`${pattern} matches the same characters as in Python, on every code point`, (t) => {
    const compiled = compilePythonRegex(pattern);
    if (!compiled.ok) return t.fail(compiled.message);
    const inPython = new Set<number>();
    for (const [from, to] of python.classes[i] ?? []) for (let c = from; c <= to; c++) inPython.add(c);
    const differ: string[] = [];
    for (const c of assignedInBoth(python.assigned)) {
      const char = String.fromCodePoint(c);
      if ((compiled.regex.exec(char)?.[0] === char) !== inPython.has(c)) differ.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
    }
    t.deepEqual(differ.slice(0, 20), [], `${differ.length} code points differ`);
  });
});

test('probe-kit stays a leaf: it imports nothing from the watcher, the responder or the CLI', (t) => {
  const folder = new URL('../../src/probe-kit/', import.meta.url);
  for (const file of readdirSync(folder)) {
    const source = readFileSync(new URL(file, folder), 'utf8');
    t.notRegex(source, /from '\.\.\/(watcher|web|cli)\//, file);
  }
});
