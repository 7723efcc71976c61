import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommandIO } from '../../src/cli/CommandIO.ts';
import { main } from '../../src/cli/main.ts';
import { encodeChecks, STATE_FILE, STATE_VERSION } from '../../src/flag-store/watcherState.ts';

const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);

/** The CLI in-process, with the clock and the user passed in: what it prints, and its exit code. */
async function setup(t: { teardown(fn: () => Promise<void>): void }, makeFolder = true) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-marks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    `WEB: { name: DC-1, pools: { search: { path: /search, categories: [search] } } }
WatchMan: { probe_status_folder: flags }
categories: { search: { sticky: true } }
probes:
  es-1: { module: url_probe, categories: [search], query: { url: 'http://127.0.0.1:9/' } }
`,
  );
  if (makeFolder) await mkdir(path.join(dir, 'flags'));
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const io: CommandIO = { out: (text) => void (out += text), err: (text) => void (err += text), signals: process, env: {}, now: () => NOW, user: () => 'carol' };
    const code = await main(['node', 'deadpool', ...args, '-c', config], io);
    return { code, out, err };
  };
  return { dir, folder: path.join(dir, 'flags'), run };
}

test('ack writes a file made for cat: the reason, who, when, until when (24 h by default)', async (t) => {
  const { folder, run } = await setup(t);
  const result = await run('ack', 'es-1', '--reason', 'reindexing  the\nindex');
  t.is(result.code, 0, result.err);
  t.is(await readFile(path.join(folder, 'acks', 'es-1'), 'utf8'), 'reindexing the index\nby:    carol\nat:    2030-01-31T12:00:00Z\nuntil: 2030-02-01T12:00:00Z\n');
  t.is((await run('ack', '--all', '--reason', 'known', '--for', '1h30m', '--user', 'dave')).code, 0);
  t.is(await readFile(path.join(folder, 'ack'), 'utf8'), 'known\nby:    dave\nat:    2030-01-31T12:00:00Z\nuntil: 2030-01-31T13:30:00Z\n');
  t.is((await run('unack', '--all')).out, 'the DC: ack removed\n');
  t.is((await run('unack', '--all')).out, 'the DC was not acked\n');
});

test('drain without --for lasts until undrain; a pool drain goes to drains/<pool>', async (t) => {
  const { folder, run } = await setup(t);
  t.is((await run('drain', '--reason', 'moving racks')).code, 0);
  t.is(await readFile(path.join(folder, 'drain'), 'utf8'), 'moving racks\nby:    carol\nat:    2030-01-31T12:00:00Z\n');
  const pool = await run('drain', '--pool', 'search', '--reason', 'reindexing', '--for', '30m');
  t.regex(pool.out, /^pool search is drained until 2030-01-31T12:30:00Z: reindexing/);
  t.is((await run('undrain', '--pool', 'search')).out, 'pool search: drain removed\n');
});

const bad: [string, string[], RegExp][] = [
  ['an unknown probe', ['ack', 'es-2', '--reason', 'x'], /^deadpool: no probe "es-2" in config.yaml \(did you mean "es-1"\?\); expected one of es-1\n$/],
  ['a probe and --all', ['ack', 'es-1', '--all', '--reason', 'x'], /name a probe or give --all, not both/],
  ['no reason', ['ack', 'es-1'], /--reason "…" is required/],
  ['an ack past 30 days', ['ack', 'es-1', '--reason', 'x', '--for', '31d'], /an ack lasts at most 30 days/],
  ['a bad duration', ['drain', '--reason', 'x', '--for', 'soon'], /--for "soon": expected a duration like 90s, 30m, 2h or 1d/],
  ['an unknown pool', ['drain', '--pool', 'serch', '--reason', 'x'], /no pool "serch" in config.yaml \(did you mean "search"\?\)/],
  ['an unknown category', ['unstick', 'nope'], /no category "nope" in config.yaml/],
  ['an unknown category for status', ['status', '--categories', 'nope'], /--categories: no category "nope"/],
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

test('no flag folder yet: marks are refused (exit 70) rather than creating it with the wrong owner', async (t) => {
  const { run } = await setup(t, false);
  const result = await run('drain', '--reason', 'x');
  t.is(result.code, 70);
  t.regex(result.err, /the flag folder \S+ does not exist: start the watcher once/);
});

test('status with no watcher: every probe unknown, exit 1; --json for machines', async (t) => {
  const { run } = await setup(t);
  const text = await run('status');
  t.is(text.code, 1);
  t.regex(text.out, /^DC-1: the base URL answers 503\n\nPROBE +STATE +CATEGORIES +GROUP +SINCE +LAST CHECK +DURATION +REASON\nes-1 +unknown +search +es-1 /);
  t.regex(text.out, /\nsearch +\/search +search +503 +/);
  const json = await run('status', '--json');
  t.is(json.code, 1);
  t.like(JSON.parse(json.out), { name: 'DC-1', status: 503, pools: [{ name: 'search', status: 503 }] });
});

test('status shows each probe\'s since, last check and duration from the watcher\'s state file, in text and --json', async (t) => {
  const { folder, run } = await setup(t);
  const checks = encodeChecks(NOW, [{ name: 'es-1', checkedAt: NOW - 2000, lastDurationMs: 35, lastOk: true, lastReason: 'status 200 in 35 ms', stateSince: NOW - 3_600_000 }], {});
  await writeFile(path.join(folder, STATE_FILE), JSON.stringify({ version: STATE_VERSION, pid: 1, written_at: NOW, heartbeat_ms: 500, running: ['es-1'], failing: {}, ...checks }));
  const text = await run('status');
  t.is(text.code, 0, text.out);
  t.regex(text.out, /\nes-1 +up +search +es-1 +2030-01-31T11:00:00Z +2030-01-31T11:59:58Z +35 ms +\n/);
  const json = JSON.parse((await run('status', '--json')).out) as { probes: unknown[] };
  t.like(json.probes[0], { name: 'es-1', state: 'up', since: '2030-01-31T11:00:00Z', last_check: '2030-01-31T11:59:58Z', duration_ms: 35 });
});
