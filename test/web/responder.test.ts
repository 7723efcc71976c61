import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlagStore } from '../../src/flag-store/FlagStore.ts';
import { silentLogger } from '../../src/log/createLogger.ts';
import { createApp } from '../../src/web/createApp.ts';
import { FlagView } from '../../src/web/FlagView.ts';
import { startServer } from '../../src/web/startServer.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { freshFor } from '../helpers/freshness.ts';
import { constant, modelFor } from '../helpers/healthModel.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { request } from './request.ts';

test('end to end: a flag written by the watcher side turns the answer to 503 and back', async (t) => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'deadpool-responder-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const folder = path.join(base, 'probe-status');
  const store = new FlagStore(folder);
  await store.ensureFolder();
  const view = new FlagView({ folder, logger: silentLogger });
  t.teardown(() => view.close());
  await view.ready;
  const app = createApp({
    getState: () => view.state,
    getModel: constant(modelFor(['elastic'])),
    getMarks: () => NO_MARKS,
    getWebConfig: () => ({ base_url: '/' }),
    getToken: () => 'secret',
    getFreshness: () => freshFor(['elastic']),
    logger: silentLogger,
  });
  const running = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.teardown(() => running.close());
  const origin = `http://127.0.0.1:${running.address.port}`;
  const ask = () => request(origin, '/', { headers: { Authorization: 'Bearer secret' } });

  t.is((await ask()).status, 200);
  await store.write('elastic', 'status 500 not in [200]\nprobe: elastic\n');
  const dead = await waitFor(async () => {
    const answer = await ask();
    return answer.status === 503 ? answer : undefined;
  }, 2000, '503');
  t.is(dead.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [200]\n');
  await store.remove('elastic');
  await waitFor(async () => (await ask()).status === 200, 2000, '200 again');

  await rm(folder, { recursive: true });
  const missing = await waitFor(async () => {
    const answer = await ask();
    return answer.status === 503 ? answer : undefined;
  }, 3000, '503 for the missing folder');
  t.is(missing.body, 'Server: DC-1 reports:\ncannot read the flag folder: the folder does not exist\n');
});
