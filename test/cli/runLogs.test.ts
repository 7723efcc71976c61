import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDeadpool } from '../helpers/deadpoolProcess.ts';
import { startUdpGelfListener, type GelfMessage } from '../helpers/gelfListener.ts';
import { freePort } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';

const NOISY = fileURLToPath(new URL('../fixtures/noisy', import.meta.url));

test("deadpool run to Graylog: every record names the DC, children's stderr arrives as records, and the responder logs a failure and its recovery with no request made", async (t) => {
  const graylog = await startUdpGelfListener();
  const backend = await startToggleBackend();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-runlogs-'));
  t.teardown(async () => {
    await Promise.all([graylog.close(), backend.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(
    path.join(dir, 'config.yaml'),
    `Generic: { log: { type: gelf, server: 127.0.0.1, port: ${graylog.port}, protocol: udp, level: info } }
WEB: { host: 127.0.0.1, port: ${await freePort()}, access_token: e2e-token, name: DC-e2e }
WatchMan: { probe_status_folder: flags, modules_folder: '${NOISY}', stale_grace: 1 }
probes:
  elastic:
    module: url_probe
    period: 0.3
    query: { url: '${backend.url}', timeout: 0.5 }
    success_criteria:
      status: { type: status_in, query: [200] }
  noisy: { module: warns, period: 0.3 }
`,
  );
  const run = startDeadpool(['run', '-c', path.join(dir, 'config.yaml')]);
  t.teardown(() => {
    run.child.kill('SIGKILL');
  });
  /** The first record from `component` saying `message`, received after the `after`-th record. */
  const next = (component: string, message: RegExp, after = 0, timeoutMs = 15_000) =>
    graylog.waitFor((m) => m._component === component && message.test(String(m.short_message)) && graylog.received.findIndex((r) => r.gelf === m) >= after, timeoutMs);

  await next('web', /^now answering 200 OK$/, 0, 30_000);
  let seen = graylog.received.length;
  backend.setHealthy(false);
  const down = await next('web', /^now answering 503/, seen);
  t.like(down.gelf, { short_message: 'now answering 503: elastic', level: 4, _dead: 'elastic', _dc: 'DC-e2e' });
  seen = graylog.received.length;
  backend.setHealthy(true);
  const up = await next('web', /^now answering 200 OK$/, seen);
  t.like(up.gelf, { level: 6, _dc: 'DC-e2e' });

  const warning = await next('watcher', /TimeoutOverflowWarning/);
  t.like(warning.gelf, { level: 3, _stream: 'stderr', _dc: 'DC-e2e' });
  await next('supervisor', /^watcher ready after/);
  await next('supervisor', /^web ready after/);

  run.child.kill('SIGTERM');
  t.is(await run.exited(6000), 0);
  const records: GelfMessage[] = graylog.received.map((r) => r.gelf);
  const components = new Set(records.map((m) => m._component));
  t.true(['supervisor', 'watcher', 'web'].every((c) => components.has(c)), [...components].join());
  t.deepEqual(
    records.filter((m) => m._dc !== 'DC-e2e'),
    [],
    'every record names the DC',
  );
  t.false(JSON.stringify(records).includes('e2e-token'), 'the token never reaches the log');
});
