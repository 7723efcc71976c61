import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/reachableRepo.ts';

const UNITS = ['deadpool.service', 'deadpool.socket', 'deadpool-agent.socket'];
const INSTALLED = '/opt/deadpool';

/**
 * `systemd-analyze verify` on copies of deploy/'s units, with the install path and node rewritten
 * to this checkout (verify checks that ExecStart's program exists). Only lines about our units
 * count: verify also loads the units they depend on, and other packages' units have warnings of
 * their own.
 */
function verify(t: { teardown(fn: () => void): void }, edit: (name: string, text: string) => string = (_n, text) => text) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deadpool-units-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of UNITS) {
    const text = readFileSync(path.join(REPO, 'deploy', name), 'utf8').replaceAll('/usr/bin/node ', `${process.execPath} `).replaceAll(INSTALLED, REPO.replace(/\/$/, ''));
    writeFileSync(path.join(dir, name), edit(name, text));
  }
  const run = spawnSync('systemd-analyze', ['verify', '--man=no', ...UNITS.map((name) => path.join(dir, name))], { encoding: 'utf8' });
  const ours = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes(dir) || /^deadpool(-agent)?\.(service|socket)\b/.test(line));
  return { status: run.status, ours };
}

test('deploy/deadpool.service, deadpool.socket and deadpool-agent.socket pass systemd-analyze verify without a warning', (t) => {
  const { status, ours } = verify(t);
  t.deepEqual(ours, []);
  t.is(status, 0);
});

test('the check catches a broken unit (so the test above can fail)', (t) => {
  const { status, ours } = verify(t, (name, text) => (name === 'deadpool.service' ? text.replace('NoNewPrivileges=', 'NoNewPrivilege=').replace(`${process.execPath} `, '/nonexistent/node ') : text));
  t.true(ours.some((line) => line.includes("Unknown key 'NoNewPrivilege'")), ours.join('\n'));
  t.true(ours.some((line) => line.includes('/nonexistent/node is not executable')), ours.join('\n'));
  t.not(status, 0);
});

test('the service is what the README and the issue ask for: Type=notify, a watchdog, an unprivileged user, the hardening; the socket is named web', (t) => {
  const service = readFileSync(path.join(REPO, 'deploy', 'deadpool.service'), 'utf8');
  for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30s', 'User=deadpool', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/deadpool', 'PrivateTmp=yes', 'ExecStart=/usr/bin/node /opt/deadpool/bin/deadpool.js run']) {
    t.true(service.split('\n').includes(line), line);
  }
  t.true(readFileSync(path.join(REPO, 'deploy', 'deadpool.socket'), 'utf8').split('\n').includes('FileDescriptorName=web'));
  const agent = readFileSync(path.join(REPO, 'deploy', 'deadpool-agent.socket'), 'utf8').split('\n');
  t.true(agent.includes('FileDescriptorName=agent') && agent.includes('Service=deadpool.service'), 'the agent socket is named agent and starts the service');
});
