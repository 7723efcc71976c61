import test from 'ava';
import { startPair } from '../helpers/deadpoolPair.ts';
import { unprivileged } from '../helpers/deadpoolProcess.ts';
import { repoPathFor } from '../helpers/reachableRepo.ts';
import { pollResponder } from '../helpers/responderClient.ts';
import { waitFor } from '../helpers/waitFor.ts';

const modules = repoPathFor(unprivileged(), 'test/fixtures/misbehaving');
const probe = (name: string, extra = '') => `  ${name}:\n    module: ${name}\n    period: 0.2${extra}\n`;

test('probes that throw, reject, return garbage or never settle fail with a clear reason by their deadline; never a 200', async (t) => {
  const pair = await startPair(t, {
    probes: ['throws', 'rejects', 'garbage', 'never_settles'].map((name) => probe(name)).join(''),
    watchman: `modules_folder: '${modules}'`,
  });
  const poll = pollResponder(pair.origin, 'fail-closed-test-token');
  t.teardown(() => poll.stop());
  const expected = [
    'Server: DC-1 reports:',
    'The garbage is DEAD! module returned an invalid result (expected { ok: boolean, reason: string })',
    'The never_settles is DEAD! timeout after 0.3 s',
    'The rejects is DEAD! check threw: cannot read properties of undefined',
    'The throws is DEAD! check threw: boom',
    '',
  ].join('\n');
  await waitFor(() => poll.last.body === expected, 10_000, 'every reason');
  // The loops go on: the module that never settles is checked again and again.
  await waitFor(() => pair.watcher!.stdout.split('ignored its abort signal').length > 3, 10_000, 'further checks of never_settles');
  t.is(poll.last.body, expected);
  await poll.stop();
  t.is(poll.count(200), 0);
  t.is(pair.watcher!.child.exitCode, null, 'the watcher is still running');
});

test('a module that blocks the event loop stalls the watcher, and freshness makes the responder fail closed', async (t) => {
  const pair = await startPair(t, { probes: probe('blocks', '\n    query: { ms: 4000 }'), watchman: `modules_folder: '${modules}'` });
  const poll = pollResponder(pair.origin, 'fail-closed-test-token');
  t.teardown(() => poll.stop());
  await waitFor(() => poll.count(200) > 0, 15_000, 'the first (and only) passing check');
  await waitFor(() => poll.last.status === 503, 5000, 'the stall to be noticed');
  t.regex(poll.last.body, /^Server: DC-1 reports:\nThe blocks is DEAD! no result from the watcher for \d+ s: stopped, frozen, or unable to write flags\/\n$/);
});
