import test from 'ava';
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startPair } from '../helpers/deadpoolPair.ts';
import { runDeadpool } from '../helpers/deadpoolProcess.ts';
import { waitFor } from '../helpers/waitFor.ts';

const BOUND_MS = 15_000;

async function script(folder: string, name: string, body: string, mode = 0o755): Promise<string> {
  const file = path.join(folder, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, mode);
  return file;
}

test("Platoon's services folder: every executable script is a probe named after it, followed live by both processes", async (t) => {
  const pair = await startPair(t, {
    probes: '  web:\n    module: url_probe\n    isEnabled: False\n    query: { url: "http://127.0.0.1:9/" }\n',
    watchman: 'services_folder: services, services_period: 0.3, services_timeout: 2',
    folders: ['services'],
  });
  const services = path.join(pair.dir, 'services');
  let last = '';
  const answer = (predicate: (body: string) => boolean, what: string) =>
    waitFor(async () => {
      const got = await pair.ask();
      last = `${got.status} ${JSON.stringify(got.body)}`;
      return predicate(got.body) ? got : undefined;
    }, BOUND_MS, () => `${what} (last answer: ${last})`);
  await answer((body) => body.endsWith('OK\n'), 'the first 200 with no script');

  await script(services, 'httpd.sh', 'echo "OK - 3 workers"');
  await script(services, 'disk.sh', 'echo "checking"\necho "CRITICAL - disk 97% full"\nexit 2');
  await script(services, 'notes.sh', 'exit 1', 0o644);
  await writeFile(path.join(services, 'README.txt'), 'not a script type\n');
  const expected = 'Server: DC-1 reports:\nThe disk is DEAD! exit 2: CRITICAL - disk 97% full\n';
  const down = await answer((body) => body === expected, 'the failing script in the answer, the passing one not');
  t.is(down.status, 503);
  await waitFor(() => /services\/notes\.sh skipped: not executable/.test(pair.watcher!.stdout), BOUND_MS, 'the warning about notes.sh');
  t.is(pair.watcher!.stdout.split('notes.sh skipped').length - 1, 1, 'warned about once');

  await rm(path.join(services, 'disk.sh'));
  const ok = await answer((body) => body.endsWith('OK\n'), 'a 200 once the failing script is gone');
  t.is(ok.status, 200);

  // A script named like a configured probe: the config is refused, the last good one keeps running.
  await script(services, 'web.sh', 'exit 0');
  const validate = await runDeadpool(['validate', '-c', pair.config], pair.user ? { user: pair.user } : {});
  t.is(validate.code, 2);
  t.regex(validate.stderr, /WatchMan\.services_folder: .*services\/web\.sh would be probe "web", which config\.yaml already has/);
});
