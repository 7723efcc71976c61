import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPair, TOKEN } from '../helpers/deadpoolPair.ts';
import { ask } from '../helpers/responderClient.ts';
import { startToggleBackend } from '../helpers/toggleBackend.ts';
import { STARTUP_MS, waitFor } from '../helpers/waitFor.ts';

/**
 * Reloads take about 0.1 s (logged below; the 2 s target is the issue's). The bound is wider so a
 * loaded CI machine does not fail the test on timing alone; what is asserted is the behaviour.
 */
const RELOAD_BOUND_MS = 5000;

const urlProbe = (name: string, url: string) => `  ${name}:\n    module: url_probe\n    period: 0.3\n    query: { url: '${url}', timeout: 0.5 }\n`;
const flipModule = (ok: boolean, reason: string) =>
  `export default { name: 'flip', criteria: [], validate: () => ({ ok: true, options: {}, timeout: 1 }), check: async () => ({ ok: ${ok}, reason: '${reason}' }) };\n`;
const count = (text: string, needle: string) => text.split(needle).length - 1;

test('deadpool run follows config.yaml, module edits and SIGHUP in both processes; an invalid edit keeps the last good config; the token is never logged', async (t) => {
  const good = await startToggleBackend();
  const bad = await startToggleBackend();
  bad.setHealthy(false);
  t.teardown(async () => {
    await Promise.all([good.close(), bad.close()]);
  });
  const pair = await startPair(t, { probes: urlProbe('a', good.url), supervised: true, level: 'debug', watchman: 'modules_folder: mods', folders: ['mods'] });
  const answer = async (predicate: (body: string) => boolean, what: string) =>
    waitFor(async () => {
      const got = await pair.ask();
      return predicate(got.body) ? got : undefined;
    }, RELOAD_BOUND_MS, what);
  await waitFor(async () => (await pair.ask()).status === 200, STARTUP_MS, 'the first 200');
  const stdout = () => pair.run!.stdout;
  // Both processes answer and check before they watch config.yaml; each logs this line once it does.
  await waitFor(() => /answering on /.test(stdout()) && /watching \d+ enabled probe/.test(stdout()), 15_000, 'both processes to watch the config');

  await pair.writeConfig(urlProbe('a', good.url) + urlProbe('b', bad.url));
  let since = Date.now();
  const added = await answer((body) => body.includes('The b is DEAD! status 500 not in [2xx]'), 'the added probe in the answer');
  t.log(`added probe reported after ${Date.now() - since} ms`);
  t.is(added.status, 503);

  await pair.writeConfig(urlProbe('a', good.url));
  since = Date.now();
  await answer((body) => body.endsWith('OK\n'), 'the removed probe gone from the answer');
  t.log(`removed probe gone after ${Date.now() - since} ms`);

  await pair.writeConfig(urlProbe('a', good.url) + '  b:\n    module: url_probe\n    peroid: 3\n');
  // The summary and each problem are separate records, so they may reach the pipe in separate chunks.
  const problem = 'probes.b.peroid: unknown key (did you mean "period"?)';
  // At least once each: under load one editor save can reach a process as two events, a debounce apart.
  await waitFor(() => count(stdout(), problem) >= 2 && /web .*config not reloaded/.test(stdout()) && /watcher .*config not reloaded/.test(stdout()), RELOAD_BOUND_MS, 'both processes to refuse the invalid edit, naming the problem');
  t.is((await pair.ask()).status, 200, 'the last good config keeps running');

  const before = count(stdout(), 'config reloaded');
  await pair.writeConfig(urlProbe('a', good.url));
  await waitFor(() => count(stdout(), 'config reloaded') >= before + 2, RELOAD_BOUND_MS, 'the fixed file to be reloaded');
  const reloads = count(stdout(), 'config reloaded');
  pair.run!.child.kill('SIGHUP');
  await waitFor(() => count(stdout(), 'config reloaded') >= reloads + 2, RELOAD_BOUND_MS, 'both processes to reload on SIGHUP');

  // A module dropped into the modules folder, then edited: re-imported because its file changed.
  const mods = path.join(pair.dir, 'mods');
  await writeFile(path.join(mods, 'flip.js'), flipModule(true, 'fine'));
  await pair.writeConfig(urlProbe('a', good.url) + '  flip:\n    module: flip\n    period: 0.3\n');
  // The watcher may reload twice (config.yaml, then the module folder's poll seeing flip.js): at least 4.
  await waitFor(() => count(stdout(), 'config reloaded') >= reloads + 4, RELOAD_BOUND_MS, 'the new probe');
  await waitFor(async () => (await pair.ask()).status === 200, RELOAD_BOUND_MS, 'flip passing');
  await writeFile(path.join(mods, 'flip.js'), flipModule(false, 'edited to fail'));
  since = Date.now();
  await answer((body) => body.includes('The flip is DEAD! edited to fail'), 'the edited module to run');
  t.log(`edited module running after ${Date.now() - since} ms`);

  await pair.writeConfig(urlProbe('a', good.url).replace('period: 0.3', 'period: 0.3\n    fall: 2'));
  await waitFor(() => count(stdout(), 'config reloaded') >= reloads + 6, RELOAD_BOUND_MS, 'the last reload');
  await pair.writeConfig(urlProbe('a', good.url));
  await writeFile(pair.config, (await readFile(pair.config, 'utf8')).replace(/port: \d+/, 'port: 1'));
  await waitFor(() => stdout().includes('WEB.port changed: restart the responder to apply it'), RELOAD_BOUND_MS, 'the restart notice');

  // Requests with the right and a wrong token at debug level: neither appears in any log line.
  // The edits above restarted probe a: pending (503) until its first new result.
  await waitFor(async () => (await ask(pair.origin, TOKEN)).status === 200, RELOAD_BOUND_MS, 'probe a checked again');
  t.is((await ask(pair.origin, `${TOKEN}-wrong`)).status, 511);
  t.true(stdout().includes('web request'), 'requests are logged at debug');
  t.false(stdout().includes(TOKEN), 'the token is never logged');
});
