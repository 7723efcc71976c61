import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listServices } from '../../src/config/servicesFolder.ts';
import { watchManSchema } from '../../src/config/schema.ts';

async function folderWith(t: { teardown(fn: () => Promise<void>): void }, files: Record<string, number>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-services-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, mode] of Object.entries(files)) {
    if (mode === 0) {
      await mkdir(path.join(dir, name));
      continue;
    }
    await writeFile(path.join(dir, name), '#!/bin/sh\nexit 0\n');
    await chmod(path.join(dir, name), mode);
  }
  return dir;
}

test('executable scripts of the allowed types are probes named without their extension; the rest is skipped, said once each', async (t) => {
  const dir = await folderWith(t, { 'httpd.sh': 0o755, 'db.py': 0o755, 'notes.sh': 0o644, 'README.txt': 0o755, '.hidden.sh': 0o755, 'sub.sh': 0, 'run.rb': 0o755, '.bad name.sh': 0o755, 'bad name.pl': 0o755 });
  const watchMan = watchManSchema.parse({ services_folder: dir });
  const listing = await listServices(watchMan, ['elastic']);
  t.deepEqual(listing.services, [
    { name: 'db', file: path.join(dir, 'db.py') },
    { name: 'httpd', file: path.join(dir, 'httpd.sh') },
  ]);
  t.deepEqual(listing.warnings, [
    `WatchMan.services_folder: ${path.join(dir, 'bad name.pl')} skipped: "bad name" cannot be a probe name (letters, digits, "_", "." or "-", not starting with ".")`,
    `WatchMan.services_folder: ${path.join(dir, 'notes.sh')} skipped: not executable (chmod +x it to run it as probe "notes")`,
  ]);
  t.deepEqual(listing.problems, []);
  const rubyToo = await listServices(watchManSchema.parse({ services_folder: dir, script_types: ['rb'] }), []);
  t.deepEqual(rubyToo.services.map((s) => s.name), ['run']);
});

test('a script named like a configured probe or like another script, and a missing folder, are config problems', async (t) => {
  const dir = await folderWith(t, { 'elastic.sh': 0o755, 'db.py': 0o755, 'db.sh': 0o755 });
  const listing = await listServices(watchManSchema.parse({ services_folder: dir }), ['elastic']);
  t.deepEqual(listing.problems, [
    `WatchMan.services_folder: ${path.join(dir, 'db.sh')} would be probe "db", which ${path.join(dir, 'db.py')} already is`,
    `WatchMan.services_folder: ${path.join(dir, 'elastic.sh')} would be probe "elastic", which config.yaml already has`,
  ]);
  const missing = await listServices(watchManSchema.parse({ services_folder: path.join(dir, 'nope') }), []);
  t.deepEqual(missing.problems, [`WatchMan.services_folder: no such folder: ${path.join(dir, 'nope')}`]);
});
