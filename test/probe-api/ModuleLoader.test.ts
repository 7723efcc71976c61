import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ModuleLoader } from '../../src/probe-api/ModuleLoader.ts';
import { silentLogger } from '../../src/log/createLogger.ts';

const source = (reason: string) =>
  `export default { name: 'drop_in', criteria: [], validate: () => ({ ok: true, options: {}, timeout: 1 }), check: async () => ({ ok: true, reason: '${reason}' }) };\n`;

const ctx = { probe: 'p', options: {}, signal: new AbortController().signal, timeoutMs: 1000, log: silentLogger };

// An operator's folder (outside this package, no package.json): .ts there compiles as CommonJS.
for (const ext of ['.ts', '.js', '.mjs']) {
  test(`a ${ext} module in a folder of its own is found, loaded, and imported again only when its file changes`, async (t) => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-modules-'));
    t.teardown(() => rm(folder, { recursive: true, force: true }));
    const file = path.join(folder, `drop_in${ext}`);
    await writeFile(file, source('first'));
    const loader = new ModuleLoader([folder]);
    t.is(await loader.find('drop_in'), file);
    t.is(await loader.find('nope'), undefined);
    const first = await loader.load(file);
    t.is(first.name, 'drop_in');
    t.is((await first.check(ctx)).reason, 'first');
    t.is(await loader.load(file), first, 'unchanged: the same module, not a new import');
    await writeFile(file, source('second, edited'));
    const second = await loader.load(file);
    t.not(second, first);
    t.is((await second.check(ctx)).reason, 'second, edited');
  });
}

test('the first folder wins over the bundled one', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-modules-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  await writeFile(path.join(folder, 'url_probe.js'), source('mine'));
  const loader = new ModuleLoader([folder, path.resolve('probes')]);
  t.is(await loader.find('url_probe'), path.join(folder, 'url_probe.js'));
});
