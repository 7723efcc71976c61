/**
 * Run by `npm test` before anything else: makes sure the commands the tests use are installed.
 * Missing Debian packages are installed when running as root (a fresh CI machine); an ordinary
 * user is told the exact command and the run stops at once, before any test fails for a reason
 * that has nothing to do with DeadPool.
 */
import { spawnSync } from 'node:child_process';

interface Need {
  command: string;
  /** The Debian package that provides it. */
  debian: string;
  why: string;
  /** A shell test for it, when it is not on an ordinary user's PATH (daemons live in /usr/sbin, PostgreSQL in a versioned folder). */
  test?: string;
}

/** Where test/helpers find the server binaries: keep in line with these tests. */
const NEEDS: Need[] = [
  { command: 'python3', debian: 'python3', why: "the re_search tests compare DeadPool with Python's own re" },
  { command: 'cp', debian: 'coreutils', why: 'the end-to-end tests mirror the repo for nobody with hard links' },
  { command: 'openssl', debian: 'openssl', why: 'the TLS tests make their certificates' },
  { command: 'redis-server', debian: 'redis-server', why: 'redis_probe is tested against a real Redis' },
  { command: 'dnsmasq', debian: 'dnsmasq', why: 'dns_probe is tested against a real DNS server', test: 'test -x /usr/sbin/dnsmasq' },
  { command: 'postgres', debian: 'postgresql', why: 'sql_probe is tested against a real PostgreSQL', test: 'ls /usr/lib/postgresql/*/bin/postgres' },
  { command: 'systemd-socket-activate', debian: 'systemd', why: 'socket activation, sd_notify and the unit files are tested with systemd\'s own tools (systemd-notify, systemd-analyze)' },
  { command: 'mariadbd', debian: 'mariadb-server', why: 'sql_probe is tested against a real MariaDB', test: 'test -x /usr/sbin/mariadbd' },
  { command: 'haproxy', debian: 'haproxy', why: 'the HAProxy agent is tested against a real HAProxy', test: 'test -x /usr/sbin/haproxy' },
  { command: 'prometheus', debian: 'prometheus', why: '/metrics is scraped by a real Prometheus' },
  { command: 'promtool', debian: 'prometheus', why: '/metrics is checked by promtool check metrics' },
  { command: 'carbon-cache', debian: 'graphite-carbon', why: 'the graphite metrics are sent to a real carbon-cache' },
  { command: 'whisper-fetch', debian: 'python3-whisper', why: "the graphite test reads carbon's whisper files back" },
];

const has = (need: Need): boolean => spawnSync('/bin/sh', ['-c', need.test ?? `command -v ${need.command}`], { stdio: 'ignore' }).status === 0;

const missing = NEEDS.filter((need) => !has(need));
if (missing.length > 0) {
  const packages = [...new Set(missing.map((need) => need.debian))];
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  for (const need of missing) process.stderr.write(`npm test: needs ${need.command} (${need.why})\n`);
  if (process.getuid?.() !== 0) {
    process.stderr.write(`npm test: install it with:\n  sudo apt-get update && sudo ${install}\n`);
    process.exit(1);
  }
  process.stderr.write(`npm test: installing ${packages.join(', ')} (running as root)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const step of ['apt-get update', install]) {
    const run = spawnSync('/bin/sh', ['-c', step], { stdio: 'inherit', env });
    if (run.status !== 0) {
      process.stderr.write(`npm test: "${step}" failed (exit ${run.status ?? run.signal}); install ${packages.join(', ')} and run npm test again\n`);
      process.exit(1);
    }
  }
  const still = missing.filter((need) => !has(need));
  if (still.length > 0) {
    process.stderr.write(`npm test: still missing after the install: ${still.map((need) => need.command).join(', ')}\n`);
    process.exit(1);
  }
}
