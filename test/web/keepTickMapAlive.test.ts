import test from 'ava';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/*
 * In a child node with V8's test intrinsics: what keepTickMapAlive holds is a tick object, and
 * tick objects made after major collections, with none of them alive in between, still share its
 * map. Without the hold that map dies at such a collection (docs/architecture.md, session 12).
 */
const script = `
import { executionAsyncResource } from 'node:async_hooks';
import { keepTickMapAlive } from ${JSON.stringify(pathToFileURL('src/web/keepTickMapAlive.ts').href)};
const held = await keepTickMapAlive();
const again = await keepTickMapAlive();
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const tickObject = () => new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));
const afterCollections = [];
for (let i = 0; i < 4; i++) {
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  gc();
  afterCollections.push(sameMap(held, await tickObject()));
}
console.log(JSON.stringify({ sameObject: held === again, symbols: Object.getOwnPropertySymbols(held).length, callback: typeof held.callback, afterCollections }));
`;

test('the responder holds a tick object, whose map outlives major collections', (t) => {
  const child = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  t.is(child.status, 0, child.stderr);
  t.deepEqual(JSON.parse(child.stdout), { sameObject: true, symbols: 2, callback: 'function', afterCollections: [true, true, true, true] });
});
