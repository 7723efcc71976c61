import test from 'ava';
import { bearerMatches } from '../../src/web/bearerMatches.ts';

test('only Bearer with exactly the token matches, whatever the length or bytes of the guess', (t) => {
  const token = 's3cret-tökén';
  t.true(bearerMatches(`Bearer ${token}`, token));
  t.true(bearerMatches(`  bearer\t${token}  `, token));
  for (const guess of ['s3cret-tökén!', 's3cret-tökén'.slice(0, -1), 's3cret-tokenx', 's3cret-tökén s3cret-tökén', 'x', 's3cret-tÖkén']) {
    t.false(bearerMatches(`Bearer ${guess}`, token), guess);
  }
  // Same number of bytes as the token (14), different content: compared, not matched.
  t.is(Buffer.byteLength('s3cret-tokenab'), Buffer.byteLength(token));
  t.false(bearerMatches('Bearer s3cret-tokenab', token));
  t.false(bearerMatches(undefined, token));
  t.false(bearerMatches('Bearer ', token));
  t.false(bearerMatches(`Basic ${token}`, token));
  t.false(bearerMatches(token, token));
});

test('a reload that changes the token is followed at once', (t) => {
  t.true(bearerMatches('Bearer one', 'one'));
  t.false(bearerMatches('Bearer one', 'two'));
  t.true(bearerMatches('Bearer two', 'two'));
});
