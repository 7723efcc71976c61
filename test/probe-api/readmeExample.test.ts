import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log/createLogger.ts';
import { ModuleLoader } from '../../src/probe-api/ModuleLoader.ts';
import { probeKit } from '../../src/probe-kit/probeKit.ts';
import { closedPort } from '../helpers/httpServers.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

async function readmeBlocks() {
  const readme = await readFile(README, 'utf8');
  const module = /```ts\n(\/\/ \/etc\/deadpool\/probes\/port_open\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
  const tsconfig = /```json\n(\{\n {2}"compilerOptions"[\s\S]*?)```/.exec(readme)?.[1];
  if (!module || !tsconfig) throw new Error('the example module and its tsconfig.json are in the README');
  // The README speaks of an installation in /opt/deadpool; the test points at this checkout.
  return { module, tsconfig: tsconfig.replaceAll('/opt/deadpool/', REPO) };
}

async function exampleFolder(t: { teardown(fn: () => Promise<void>): void }) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-readme-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const { module, tsconfig } = await readmeBlocks();
  await writeFile(path.join(folder, 'port_open.ts'), module);
  await writeFile(path.join(folder, 'tsconfig.json'), tsconfig);
  return folder;
}

test("the README's example module type-checks with tsc as the README says, and a mistake in it does not", async (t) => {
  const folder = await exampleFolder(t);
  const tsc = (): ReturnType<typeof spawnSync> => spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsc'), ['-p', folder], { encoding: 'utf8' });
  const clean = tsc();
  t.is(clean.status, 0, `${String(clean.stdout)}${String(clean.stderr)}`);
  const source = await readFile(path.join(folder, 'port_open.ts'), 'utf8');
  await writeFile(path.join(folder, 'port_open.ts'), source.replace('port: query.port, signal', 'port: query.prot, signal'));
  const broken = tsc();
  t.is(broken.status, 1);
  t.regex(String(broken.stdout), /Property 'prot' does not exist/);
});

test("the README's example module loads from a folder of its own and works against a real TCP port", async (t) => {
  const folder = await exampleFolder(t);
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => void server.close());
  const loader = new ModuleLoader([folder], probeKit);
  const module = await loader.load((await loader.find('port_open'))!);
  t.is(module.name, 'port_open');

  const bad = module.validate({ query: { host: 'db', port: 'x' }, success_criteria: {} });
  t.deepEqual(bad, { ok: false, issues: [{ path: ['query', 'port'], message: 'expected a port number (1-65535), got "x"' }] });
  const run = async (port: number) => {
    const valid = module.validate({ query: { host: '127.0.0.1', port }, success_criteria: {} });
    if (!valid.ok) throw new Error('unexpected validation failure');
    return module.check({ probe: 'db', options: valid.options, signal: AbortSignal.timeout(2000), timeoutMs: 2000, log: silentLogger });
  };
  const port = (server.address() as net.AddressInfo).port;
  t.deepEqual(await run(port), { ok: true, reason: `connected to 127.0.0.1:${port}` });
  const refused = await closedPort();
  t.deepEqual(await run(refused), { ok: false, reason: `ECONNREFUSED 127.0.0.1:${refused}` });
});
