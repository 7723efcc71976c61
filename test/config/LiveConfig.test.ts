import test from 'ava';
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LiveConfig } from '../../src/config/LiveConfig.ts';
import { readConfig, type ConfigFile } from '../../src/config/readConfig.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import { waitFor } from '../helpers/waitFor.ts';

const yaml = (probes: string) => `WEB: { port: 9001 }\nprobes:\n${probes}`;
const probe = (name: string) => `  ${name}: { module: url_probe, query: { url: 'http://127.0.0.1:1/' } }\n`;

async function configFile(t: { teardown(fn: () => Promise<void>): void }, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-live-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, text);
  return file;
}

function live(initial: ConfigFile, applied: ConfigFile[], scriptFolders: string[] = []) {
  return new LiveConfig(initial, {
    log: silentLogger,
    scriptFolders,
    modulePollMs: 50,
    load: (current) => readConfig(current.file),
    apply: async (next) => {
      applied.push(next);
    },
  });
}

test('an edit made after the config was read but before the watch was in place is applied once the watch starts', async (t) => {
  const file = await configFile(t, yaml(probe('a')));
  const initial = await readConfig(file);
  await writeFile(file, yaml(probe('a') + probe('b')));
  // A same-second edit of the same size would keep mtime and size only on coarse file systems; make it certain here.
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  const applied: ConfigFile[] = [];
  const config = live(initial, applied);
  t.teardown(() => config.close());
  await config.start();
  await waitFor(() => applied.length === 1, 5000, 'the missed edit to be applied');
  t.deepEqual(Object.keys(config.current.config.probes), ['a', 'b']);
});

test('an unchanged file is not reloaded when the watch starts', async (t) => {
  const file = await configFile(t, yaml(probe('a')));
  const applied: ConfigFile[] = [];
  const config = live(await readConfig(file), applied);
  t.teardown(() => config.close());
  await config.start();
  // A later edit shows the watch works; the reload count shows no start-up reload happened before it.
  await writeFile(file, yaml(probe('a') + probe('c')));
  await waitFor(() => applied.length >= 1, 5000, 'the edit to be applied');
  t.is(applied.length, 1);
  t.deepEqual(Object.keys(applied[0]!.config.probes), ['a', 'c']);
});

test('a script added to the services folder after the config was read but before the watch started is picked up', async (t) => {
  const file = await configFile(t, `WatchMan: { services_folder: services }\n${yaml(probe('a'))}`);
  const services = path.join(path.dirname(file), 'services');
  await mkdir(services);
  const initial = await readConfig(file);
  t.deepEqual(initial.services, []);
  const script = path.join(services, 'disk.sh');
  await writeFile(script, '#!/bin/sh\nexit 0\n');
  await chmod(script, 0o755);
  const applied: ConfigFile[] = [];
  const config = live(initial, applied, [services]);
  t.teardown(() => config.close());
  await config.start();
  await waitFor(() => applied.length === 1, 5000, 'the script added before the start to be applied');
  t.deepEqual(config.current.services.map((s) => s.name), ['disk']);
});

test('an unchanged services folder is not reloaded when the watch starts', async (t) => {
  const file = await configFile(t, `WatchMan: { services_folder: services }\n${yaml(probe('a'))}`);
  const services = path.join(path.dirname(file), 'services');
  await mkdir(services);
  await writeFile(path.join(services, 'web.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const applied: ConfigFile[] = [];
  const config = live(await readConfig(file), applied, [services]);
  t.teardown(() => config.close());
  await config.start();
  await chmod(path.join(services, 'web.sh'), 0o644);
  await waitFor(() => applied.length >= 1, 5000, 'the chmod to be applied');
  t.is(applied.length, 1);
  t.deepEqual(applied[0]!.services, []);
});
