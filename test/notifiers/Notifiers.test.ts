import test from 'ava';
import type http from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunCommand } from '../../src/actions/RunCommand.ts';
import { systemClock } from '../../src/clock/Clock.ts';
import { notifierSchema, type NotifierConfig } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import type { NotifierEvent } from '../../src/notifiers/NotifierEvent.ts';
import { Notifiers, type NotifiersDeps } from '../../src/notifiers/Notifiers.ts';
import { axiosPostJson } from '../../src/notifiers/postJson.ts';
import { ExecClient } from '../../src/probe-kit/execClient.ts';
import { closedPort, startServer } from '../helpers/httpServers.ts';
import { waitFor } from '../helpers/waitFor.ts';

const event = (n: number): NotifierEvent => ({
  event: 'probe',
  dc: 'DC-1',
  pool: null,
  probe: `es-${n}`,
  module: 'url_probe',
  from: 'up',
  to: 'down',
  reason: `refused ${n}`,
  since: new Date(0).toISOString(),
  time: new Date().toISOString(),
});

/** Real notifiers (axios, the exec helper) with quick retries; every log record kept. */
async function setup(t: { teardown(fn: () => unknown): void }, deps: Partial<NotifiersDeps> = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-notify-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(record) => void records.push(record)] });
  const client = new ExecClient();
  const run: RunCommand = (request, signal, onStarted) => client.run(request, signal, log, onStarted);
  const notifiers = new Notifiers({ run, post: axiosPostJson, clock: systemClock, log, cwd: dir, backoffMs: () => 20, ...deps });
  notifiers.start();
  t.teardown(() => notifiers.stop());
  const configs = (raw: Record<string, unknown>): Record<string, NotifierConfig> => Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, notifierSchema.parse(value)]));
  const logText = (): string => records.map((r) => `${r.message} ${JSON.stringify(r.fields)}`).join('\n');
  return { dir, records, notifiers, configs, logText };
}

/** A receiver that records each POST's body and headers, and answers with `status(n)` (n from 1). */
async function receiver(t: { teardown(fn: () => unknown): void }, status: (n: number) => number | undefined = () => 200) {
  const bodies: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const accepted: NotifierEvent[] = [];
  let n = 0;
  const server = await startServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const code = status(++n);
      bodies.push(body);
      headers.push(req.headers);
      // undefined: never answer.
      if (code === undefined) return;
      if (code >= 200 && code < 300) accepted.push(JSON.parse(body) as NotifierEvent);
      res.writeHead(code).end('thanks');
    });
  });
  t.teardown(() => server.close());
  return { server, bodies, headers, accepted };
}

test('a webhook gets each event as JSON, in order, with its headers; header values and the URL\'s credentials and path stay out of the logs', async (t) => {
  const { notifiers, configs, logText } = await setup(t);
  const { server, headers, accepted } = await receiver(t);
  const url = `http://hookuser:pa55word@127.0.0.1:${server.port}/services/T0/tok3n-in-path?key=qu3ry`;
  await notifiers.update({ notifiers: configs({ ops: { webhook: { url, headers: { 'X-Api-Key': 'h3ader-secret' } } } }), folder: undefined });
  for (let i = 1; i <= 5; i++) notifiers.publish(event(i));
  await waitFor(() => accepted.length === 5, 20_000, 'five events');
  t.deepEqual(accepted, [1, 2, 3, 4, 5].map((i) => ({ ...event(i), time: accepted[i - 1]!.time })));
  t.is(headers[0]!['x-api-key'], 'h3ader-secret');
  t.is(headers[0]!['content-type'], 'application/json');
  t.is(headers[0]!.authorization, `Basic ${Buffer.from('hookuser:pa55word').toString('base64')}`);
  await waitFor(() => notifiers.all.get('ops')!.delivered === 5, 5000, 'five answers counted');
  t.regex(logText(), new RegExp(`notifier ops: http://127.0.0.1:${server.port}/…`));
  for (const secret of ['h3ader-secret', 'pa55word', 'hookuser', 'tok3n-in-path', 'qu3ry']) t.false(logText().includes(secret), secret);
});

test('a webhook that answers 500 then 200 gets the event again after a wait, and the order is kept', async (t) => {
  const { notifiers, configs } = await setup(t);
  const { server, bodies, accepted } = await receiver(t, (n) => (n <= 2 ? 500 : 200));
  await notifiers.update({ notifiers: configs({ ops: { webhook: { url: `${server.origin}/hook` } } }), folder: undefined });
  for (let i = 1; i <= 3; i++) notifiers.publish(event(i));
  await waitFor(() => accepted.length === 3, 20_000, 'three events');
  t.deepEqual(
    bodies.map((body) => (JSON.parse(body) as NotifierEvent).probe),
    ['es-1', 'es-1', 'es-1', 'es-2', 'es-3'],
  );
  t.deepEqual(accepted.map((e) => e.probe), ['es-1', 'es-2', 'es-3']);
});

test('a webhook that never answers: each try ends at its deadline, the queue stays bounded (oldest dropped, counted, logged), and other notifiers are not held back', async (t) => {
  const { notifiers, configs, records } = await setup(t, { maxQueue: 5, reportEveryMs: 200 });
  const hanging = await receiver(t, () => undefined);
  const good = await receiver(t);
  await notifiers.update({ notifiers: configs({ hang: { webhook: { url: `${hanging.server.origin}/`, timeout: 0.3 }, attempts: 2 }, good: { webhook: { url: `${good.server.origin}/` } } }), folder: undefined });
  const hang = notifiers.all.get('hang')!;
  // The good receiver gets each event as it comes while the hanging one holds its first.
  for (let i = 1; i <= 10; i++) {
    notifiers.publish(event(i));
    await waitFor(() => good.accepted.length === i, 20_000, `the good receiver to get event ${i}`);
  }
  t.is(hang.delivered, 0);
  const before = performance.now();
  for (let i = 11; i <= 60; i++) notifiers.publish(event(i));
  t.true(performance.now() - before < 100, 'publishing never waits for a receiver');
  t.true(hang.queued <= 5, `${hang.queued} waiting`);
  t.true(hang.droppedFull >= 44, `${hang.droppedFull} dropped: at most one in flight and five waiting of 60`);
  await waitFor(() => records.some((r) => /notifier hang \(http:\/\/127\.0\.0\.1:\d+\/\) dropped \d+ event\(s\): .*queue was full/.test(r.message)), 5000, 'the drop to be logged');
  // The first event: two tries, each ended at the 0.3 s deadline.
  await waitFor(() => hang.droppedFailed >= 1, 10_000, 'the first event to be given up');
  await waitFor(() => records.some((r) => /after 2 failed tries \(last: no answer within 0.3 s\)/.test(r.message)), 5000, 'the give-up to be logged');
  t.true(hanging.bodies.length >= 2);
});

test('a webhook on a closed port: tried `attempts` times, then dropped and counted', async (t) => {
  const { notifiers, configs, records } = await setup(t, { reportEveryMs: 0 });
  const port = await closedPort();
  await notifiers.update({ notifiers: configs({ down: { webhook: { url: `http://127.0.0.1:${port}/` }, attempts: 3 } }), folder: undefined });
  notifiers.publish(event(1));
  notifiers.publish(event(2));
  const down = notifiers.all.get('down')!;
  await waitFor(() => down.droppedFailed === 2, 20_000, 'both events given up');
  t.is(down.delivered, 0);
  t.true(records.some((r) => /after 3 failed tries \(last: cannot reach it \(ECONNREFUSED\)\)/.test(r.message)));
});

test('a command notifier and a notifiers_folder script get each event as JSON on stdin, in order; a failing script is logged; a script dropped in later joins', async (t) => {
  const { dir, notifiers, configs, records } = await setup(t, { reportEveryMs: 0, folderPollMs: 50 });
  const folder = path.join(dir, 'notifiers');
  await mkdir(folder);
  const script = async (file: string, body: string): Promise<void> => {
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
  };
  await script(path.join(dir, 'pager.sh'), `echo "$DEADPOOL_EVENT" >> ${path.join(dir, 'pager.env')}; cat >> ${path.join(dir, 'pager.out')}`);
  await script(path.join(folder, 'slack.sh'), `cat >> ${path.join(dir, 'slack.out')}`);
  await script(path.join(folder, 'broken.sh'), 'echo cannot page >&2; exit 4');
  await writeFile(path.join(folder, 'README'), 'not executable: not a notifier');
  await notifiers.update({ notifiers: configs({ pager: { command: [path.join(dir, 'pager.sh')] } }), folder });
  t.deepEqual([...notifiers.all.keys()].sort(), ['folder:broken.sh', 'folder:slack.sh', 'pager']);
  for (let i = 1; i <= 3; i++) notifiers.publish(event(i));
  const lines = async (file: string): Promise<NotifierEvent[]> =>
    (await readFile(path.join(dir, file), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as NotifierEvent);
  await waitFor(async () => (await lines('pager.out')).length === 3 && (await lines('slack.out')).length === 3, 20_000, 'three events each');
  t.deepEqual((await lines('pager.out')).map((e) => e.probe), ['es-1', 'es-2', 'es-3']);
  t.deepEqual((await lines('slack.out')).map((e) => e.probe), ['es-1', 'es-2', 'es-3']);
  t.is(await readFile(path.join(dir, 'pager.env'), 'utf8'), 'probe\nprobe\nprobe\n');
  await waitFor(() => notifiers.all.get('folder:broken.sh')!.droppedFailed === 3, 20_000, 'the broken script to fail three times');
  t.true(records.some((r) => /notifier folder:broken\.sh .*after 1 failed tries \(last: exit 4 \(cannot page\)\)/.test(r.message)));

  await script(path.join(folder, 'late.sh'), `cat >> ${path.join(dir, 'late.out')}`);
  await waitFor(() => notifiers.all.has('folder:late.sh'), 10_000, 'the new script to be seen');
  notifiers.publish(event(4));
  await waitFor(async () => (await lines('late.out')).length === 1, 20_000, 'the late script to get the event');
  t.is((await lines('late.out'))[0]!.probe, 'es-4');
});
