import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (file: string) => pathToFileURL(path.join(ROOT, 'dist', file)).href;

test('built DeadPool imports its bundled modules from dist/probes/ without tsx; a TypeScript module of a modules_folder still loads through it', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-compiled-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const probes = ['url_probe', 'tcp_probe', 'tls_probe', 'exec_probe', 'sql_probe', 'mssql_probe', 'redis_probe', 'dns_probe'];
  const queries: Record<string, string> = {
    url_probe: "{ url: 'http://127.0.0.1:9/' }",
    tcp_probe: '{ host: 127.0.0.1, port: 9 }',
    tls_probe: '{ host: 127.0.0.1, port: 9 }',
    exec_probe: "{ command: ['/bin/true'] }",
    sql_probe: '{ driver: postgres, server: 127.0.0.1, user: u, query: "SELECT 1" }',
    mssql_probe: '{ server: 127.0.0.1, user: u, query: "SELECT 1" }',
    redis_probe: '{ host: 127.0.0.1 }',
    dns_probe: '{ name: example.org }',
  };
  const yaml = (extra: string) => `WEB: { port: 9001 }\nprobes:\n${probes.map((m) => `  ${m}: { module: ${m}, query: ${queries[m]} }\n`).join('')}${extra}`;
  const bundledOnly = path.join(dir, 'bundled.yaml');
  await writeFile(bundledOnly, yaml(''));
  await writeFile(path.join(dir, 'own_probe.ts'), "export default { name: 'own_probe', criteria: [], validate: () => ({ ok: true, timeout: 1 }), check: async () => ({ ok: true, reason: 'fine' }) };\n");
  const withOwn = path.join(dir, 'own.yaml');
  await writeFile(withOwn, `WatchMan: { modules_folder: . }\n${yaml('  own: { module: own_probe }\n')}`);
  const script = `
    const { loadConfig } = await import(${JSON.stringify(dist('src/config/loadConfig.js'))});
    const { tsxLoaded } = await import(${JSON.stringify(dist('src/probe-api/ModuleLoader.js'))});
    const loaded = await loadConfig(process.argv[1]);
    console.log(JSON.stringify({ probes: loaded.probes.length, tsx: tsxLoaded() }));`;
  const run = async (config: string) => JSON.parse((await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, config], { cwd: dir })).stdout) as { probes: number; tsx: boolean };
  t.deepEqual(await run(bundledOnly), { probes: probes.length, tsx: false });
  t.deepEqual(await run(withOwn), { probes: probes.length + 1, tsx: true });
});
