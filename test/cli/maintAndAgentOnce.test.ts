import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import type { CommandIO } from '../../src/cli/CommandIO.ts';
import { main } from '../../src/cli/main.ts';
import { STATE_FILE, STATE_VERSION } from '../../src/flag-store/watcherState.ts';
import { freePort } from '../helpers/responderClient.ts';

const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);

/** The CLI in-process on a flag folder whose watcher is fresh and runs es-1 and db; `agent` is the Agent section. */
async function setup(t: { teardown(fn: () => Promise<void>): void }, agent = '', web = '') {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-maint-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    `WEB: { ${web}name: DC-1, pools: { search: { path: /search, categories: [search] } } }
WatchMan: { probe_status_folder: flags }
categories: { search: {} }
${agent}probes:
  es-1: { module: url_probe, categories: [search], query: { url: 'http://127.0.0.1:9/' } }
  db: { module: url_probe, query: { url: 'http://127.0.0.1:9/' } }
`,
  );
  const folder = path.join(dir, 'flags');
  await mkdir(folder);
  await writeFile(path.join(folder, STATE_FILE), JSON.stringify({ version: STATE_VERSION, pid: 1, written_at: NOW, heartbeat_ms: 500, running: ['db', 'es-1'], failing: {}, checks: [0, 5, 60, 0, 5, 60], failed_checks: {} }));
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const io: CommandIO = { out: (text) => void (out += text), err: (text) => void (err += text), signals: process, env: {}, now: () => NOW, user: () => 'carol' };
    const code = await main(['node', 'deadpool', ...args, '-c', config], io);
    return { code, out, err };
  };
  return { folder, run };
}

test('maint writes the maint file made for cat; status and status --json show it; unmaint ends it', async (t) => {
  const { folder, run } = await setup(t);
  t.is((await run('status')).code, 0, 'healthy before');
  const maint = await run('maint', '--reason', 'new  switches', '--for', '2h');
  t.is(maint.code, 0, maint.err);
  t.is(maint.out, `the DC is in maintenance until 2030-01-31T14:00:00Z: new switches (${path.join(folder, 'maint')})\n`);
  t.is(await readFile(path.join(folder, 'maint'), 'utf8'), 'new switches\nby:    carol\nat:    2030-01-31T12:00:00Z\nuntil: 2030-01-31T14:00:00Z\n');
  const status = await run('status');
  t.is(status.code, 1);
  t.regex(status.out, /^DC-1: the base URL answers 503\n/);
  t.regex(status.out, /\nin maintenance by carol until 2030-01-31T14:00:00Z \(2 h 0 min left\): new switches\n/);
  t.regex(status.out, /\nsearch +\/search +search +503 +in maintenance: new switches\n/);
  t.like(JSON.parse((await run('status', '--json')).out), { status: 503, maint: { reason: 'new switches', by: 'carol', until: '2030-01-31T14:00:00Z' } });
  t.is((await run('unmaint')).out, 'the DC: maintenance ended\n');
  t.is((await run('unmaint')).out, 'the DC was not in maintenance\n');
  t.is((await run('status')).code, 0);
});

test('a maint written by hand (only a reason) holds until removed', async (t) => {
  const { folder, run } = await setup(t);
  await writeFile(path.join(folder, 'maint'), 'rack 12 power work\n');
  const status = await run('status');
  t.is(status.code, 1);
  t.regex(status.out, /\nin maintenance by hand until removed: rack 12 power work\n/);
  t.like(await run('agent', '--once'), { code: 1, out: 'maint\n' });
});

const bad: [string, string[], RegExp][] = [
  ['maint without a reason', ['maint'], /--reason "…" is required/],
  ['maint with a bad duration', ['maint', '--reason', 'x', '--for', 'a while'], /--for "a while": expected a duration like 90s, 30m, 2h or 1d/],
  ['agent without --once', ['agent'], /the HAProxy agent listens inside `deadpool web` \(Agent in config.yaml\); `deadpool agent --once` prints what it answers now/],
];
for (const [name, args, message] of bad) {
  test(`bad input, exit 2 and a clear message: ${name}`, async (t) => {
    const { run } = await setup(t);
    const result = await run(...args);
    t.is(result.code, 2);
    t.regex(result.err, message);
    t.is(result.out, '');
  });
}

test('agent --once prints the line the agent answers now: up (exit 0), down with the first failing probe, drain, maint (exit 1)', async (t) => {
  const { folder, run } = await setup(t, 'Agent: { port: 9002, weight: "75%" }\n');
  t.like(await run('agent', '--once'), { code: 0, out: 'up ready 75%\n' });
  await writeFile(path.join(folder, 'es-1.dead'), 'status 500\nmore\n');
  t.like(await run('agent', '--once'), { code: 1, out: 'down ready #es-1: status 500\n' });
  t.is((await run('drain', '--reason', 'moving racks')).code, 0);
  t.like(await run('agent', '--once'), { code: 1, out: 'down drain #es-1: status 500\n' });
  await rm(path.join(folder, 'es-1.dead'));
  t.like(await run('agent', '--once'), { code: 0, out: 'up drain 75%\n' }, 'drained but healthy: up');
  t.is((await run('maint', '--reason', 'new switches')).code, 0);
  t.like(await run('agent', '--once'), { code: 1, out: 'maint\n' });
});

test('agent --once for a pool: only its probes and its drain count', async (t) => {
  const { folder, run } = await setup(t, 'Agent: { port: 9002, pool: search }\n');
  await writeFile(path.join(folder, 'db.dead'), 'connection refused\n');
  t.like(await run('agent', '--once'), { code: 0, out: 'up ready 100%\n' });
  t.is((await run('drain', '--pool', 'search', '--reason', 'reindex')).code, 0);
  t.like(await run('agent', '--once'), { code: 0, out: 'up drain 100%\n' });
});

test('agent --once with a stale watcher: down, saying so', async (t) => {
  const { folder, run } = await setup(t);
  const state = JSON.parse(await readFile(path.join(folder, STATE_FILE), 'utf8')) as { written_at: number };
  await writeFile(path.join(folder, STATE_FILE), JSON.stringify({ ...state, written_at: NOW - 60_000 }));
  const result = await run('agent', '--once');
  t.is(result.code, 1);
  t.regex(result.out, /^down ready #db: no result from the watcher for 60 s: stopped, frozen, or unable to write flags\/\n$/);
});

test('deadpool web with the agent port taken: exit 70 naming the agent and the address, the HTTP port freed again', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const agentPort = (taken.address() as net.AddressInfo).port;
  const webPort = await freePort();
  const { run } = await setup(t, `Agent: { host: 127.0.0.1, port: ${agentPort} }\n`, `host: 127.0.0.1, port: ${webPort}, `);
  const result = await run('web');
  t.is(result.code, 70, result.out + result.err);
  t.is(result.err, `deadpool: the HAProxy agent cannot listen on 127.0.0.1:${agentPort}: EADDRINUSE\n`);
  // The responder's own port was closed again on the way out.
  const again = net.createServer();
  await new Promise<void>((resolve, reject) => {
    again.once('error', reject);
    again.listen(webPort, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => again.close(() => resolve()));
});
