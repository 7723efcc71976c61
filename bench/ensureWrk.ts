import { spawnSync } from 'node:child_process';

/** wrk's version line (`wrk debian/4.1.0-3+b2 [epoll] …`), or undefined when it is not installed. */
function wrkVersion(): string | undefined {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (result.error) return undefined;
  return /^wrk \S+/m.exec(`${result.stdout}${result.stderr}`)?.[0];
}

/**
 * The load generator of every throughput and latency run. wrk (C, event-driven) needs a fraction
 * of a core for what a Node generator such as autocannon needs a whole core for: on a 2-core
 * machine a Node generator would be the bottleneck and flatten every ratio towards 1. Installed
 * with apt-get when missing (the bench runs as root on the project's machines).
 */
export function ensureWrk(log: (line: string) => void): string {
  const found = wrkVersion();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('wrk is not installed and the bench is not root: install it first (Debian: sudo apt-get install -y wrk)');
  log('wrk is missing: installing it with apt-get (Debian package "wrk")');
  let install = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { encoding: 'utf8' });
    install = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const installed = wrkVersion();
  if (!installed) {
    const why = install.error ? install.error.message : `${install.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`wrk is not installed and apt-get could not install it (${why}); install wrk (Debian/Ubuntu package "wrk") and run again`);
  }
  return installed;
}
