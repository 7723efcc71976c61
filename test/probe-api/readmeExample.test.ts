import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log/createLogger.ts';
import { ModuleLoader } from '../../src/probe-api/ModuleLoader.ts';
import { closedPort } from '../helpers/httpServers.ts';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

test("the README's example module loads from a folder of its own and works against a real TCP port", async (t) => {
  const readme = await readFile(README, 'utf8');
  const block = /```ts\n(\/\/ \/etc\/deadpool\/probes\/tcp_probe\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
  t.truthy(block, 'the example is in the README');
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-readme-'));
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.close();
    await rm(folder, { recursive: true, force: true });
  });
  await writeFile(path.join(folder, 'tcp_probe.ts'), block!);
  const loader = new ModuleLoader([folder]);
  const module = await loader.load((await loader.find('tcp_probe'))!);
  t.is(module.name, 'tcp_probe');

  const bad = module.validate({ query: { host: 'db' }, success_criteria: {} });
  t.deepEqual(bad, { ok: false, issues: [{ path: ['query', 'port'], message: 'expected a port number' }] });
  const run = async (port: number) => {
    const valid = module.validate({ query: { host: '127.0.0.1', port }, success_criteria: {} });
    if (!valid.ok) throw new Error('unexpected validation failure');
    return module.check({ probe: 'db', options: valid.options, signal: AbortSignal.timeout(2000), timeoutMs: 2000, log: silentLogger });
  };
  t.deepEqual(await run((server.address() as net.AddressInfo).port), { ok: true, reason: 'connected' });
  const refused = await closedPort();
  t.deepEqual(await run(refused), { ok: false, reason: `ECONNREFUSED 127.0.0.1:${refused}` });
});
