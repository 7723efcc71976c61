import test from 'ava';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPair } from '../helpers/deadpoolPair.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

const BOUND_MS = 5000;

test('the responder never imports a probe module; a module option the watcher refuses shows as that probe not checked, with the reason', async (t) => {
  const mods = await mkdtemp(path.join(os.tmpdir(), 'deadpool-mods-'));
  t.teardown(() => rm(mods, { recursive: true, force: true }));
  // Writable by the unprivileged user the processes run as under root.
  await chmod(mods, 0o777);
  const marker = path.join(mods, 'imported-by.txt');
  // Top-level code runs once per process that imports the module: it records which command that was.
  await writeFile(
    path.join(mods, 'marked.mjs'),
    `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(marker)}, process.argv[2] + '\\n');
export default { name: 'marked', criteria: [], validate: () => ({ ok: true, options: {}, timeout: 1 }), check: async () => ({ ok: true, reason: 'fine' }) };
`,
  );
  const marked = '  m:\n    module: marked\n    period: 0.3\n';
  const pair = await startPair(t, { probes: marked, supervised: true, watchman: `modules_folder: ${mods}` });
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  const importers = (await readFile(marker, 'utf8')).trim().split('\n').sort();
  t.deepEqual(importers, ['run', 'watcher'], 'imported by the supervisor (it validates the config once) and the watcher, never by the responder');

  // Valid for the schema (so the responder takes it), refused by url_probe's validate() in the watcher.
  await pair.writeConfig(`${marked}  c:\n    module: url_probe\n    query: { timeout: 1 }\n`);
  const refused = await waitFor(async () => {
    const got = await pair.ask();
    // `pending` until the watcher's refusal is published: failing either way.
    return got.body.includes('The c is DEAD! not checked') ? got : undefined;
  }, BOUND_MS, 'the probe the watcher does not run to fail with the reason');
  t.is(refused.status, 503);
  t.regex(refused.body, /The c is DEAD! not checked: the watcher refused the config and runs its last good one: \S*config\.yaml: probes\.c\.query\.url: /);
  t.false(refused.body.includes('The m is DEAD!'), 'the probes of the last good config keep their answers');

  await pair.writeConfig(marked);
  await waitFor(async () => (await pair.ask()).status === 200, BOUND_MS, 'the fixed config to be 200 again');
  t.deepEqual((await readFile(marker, 'utf8')).trim().split('\n').sort(), ['run', 'watcher'], 'an unchanged module is not imported again');
});
