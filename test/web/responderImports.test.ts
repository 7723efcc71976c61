import test from 'ava';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The packages `deadpool web` imports, following its modules' static imports (types excluded:
 * they are erased). The responder's memory budget counts on some never being among them
 * (docs/architecture.md, "The responder's memory"): zod and js-yaml, loaded in the worker thread
 * that reads the config, cost it 4-5 MB for as long as it ran; prom-client about 11 MB.
 */
async function packagesOf(entry: string): Promise<Map<string, string>> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/^\s*(import|export)(\s+type)?\s[^;]*?\sfrom\s+'([^']+)'/gms)) {
      if (match[2] !== undefined) continue;
      const spec = match[3]!;
      if (spec.startsWith('.')) await visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.set(spec, path.relative(process.cwd(), file));
    }
  };
  await visit(path.resolve(entry));
  return packages;
}

test('the responder loads neither zod, js-yaml nor prom-client', async (t) => {
  const packages = await packagesOf('src/cli/webCommand.ts');
  t.true(packages.has('koa'), 'the walk follows the imports');
  t.false(packages.has('zod'), `zod imported by ${packages.get('zod')}`);
  t.false(packages.has('js-yaml'), `js-yaml imported by ${packages.get('js-yaml')}`);
  // About 11 MB of RSS: the responder writes its own metrics by hand (src/metrics/exposition.ts).
  t.false(packages.has('prom-client'), `prom-client imported by ${packages.get('prom-client')}`);
});
