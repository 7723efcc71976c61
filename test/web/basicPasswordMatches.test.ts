import test from 'ava';
import { basicPasswordMatches } from '../../src/web/basicPasswordMatches.ts';

const TOKEN = 'WyI1NTE1MjhmNDMxY2Q3NTEwOTQxY2ZhYTgi.B_bF8g.t1oUMxHr';
const b64 = (text: string) => Buffer.from(text).toString('base64');

const cases: [string, string | undefined, boolean][] = [
  ['any user, the token as password', `Basic ${b64(`alice:${TOKEN}`)}`, true],
  ['an empty user name', `Basic ${b64(`:${TOKEN}`)}`, true],
  ['a user name with a colon is impossible: the first colon splits', `Basic ${b64(`a:b:${TOKEN}`)}`, false],
  ['the scheme in any case, spaces around', `  bASIC   ${b64(`x:${TOKEN}`)}  `, true],
  ['a wrong password', `Basic ${b64('alice:guess')}`, false],
  ['the token with one character more', `Basic ${b64(`alice:${TOKEN}x`)}`, false],
  ['the token with one character less', `Basic ${b64(`alice:${TOKEN.slice(0, -1)}`)}`, false],
  ['the token as user name, no password', `Basic ${b64(`${TOKEN}:`)}`, false],
  ['no colon at all', `Basic ${b64(TOKEN)}`, false],
  ['not base64', 'Basic !!!!', false],
  ['no credentials', 'Basic', false],
  ['a bearer header', `Bearer ${TOKEN}`, false],
  ['no header', undefined, false],
  ['credentials far longer than any token', `Basic ${b64(`alice:${TOKEN.repeat(200)}`)}`, false],
];

for (const [name, header, expected] of cases) {
  test(`basicPasswordMatches: ${name}`, (t) => {
    t.is(basicPasswordMatches(header, TOKEN), expected);
  });
}
