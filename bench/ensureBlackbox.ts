import { spawnSync } from 'node:child_process';

export const BLACKBOX_BIN = '/usr/bin/prometheus-blackbox-exporter';
const PACKAGE = 'prometheus-blackbox-exporter';

/** blackbox_exporter's version line (`blackbox_exporter, version 0.23.0 …`), or undefined when it is not installed. */
function blackboxVersion(): string | undefined {
  const result = spawnSync(BLACKBOX_BIN, ['--version'], { encoding: 'utf8' });
  if (result.error) return undefined;
  return /^blackbox_exporter, version \S+/m.exec(`${result.stdout}${result.stderr}`)?.[0];
}

/**
 * Prometheus' blackbox_exporter, the baseline of the `blackbox` section: installed with apt-get
 * when missing and the bench runs as root (as ensureWrk does for wrk), otherwise the section stops
 * and says how to install it.
 */
export function ensureBlackbox(log: (line: string) => void): string {
  const found = blackboxVersion();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error(`blackbox_exporter is not installed and the bench is not root: install it first (Debian: sudo apt-get install -y ${PACKAGE})`);
  log(`blackbox_exporter is missing: installing it with apt-get (Debian package "${PACKAGE}")`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', PACKAGE], { encoding: 'utf8', env });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { encoding: 'utf8' });
    install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', PACKAGE], { encoding: 'utf8', env });
  }
  const installed = blackboxVersion();
  if (!installed) {
    const why = install.error ? install.error.message : `${install.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`blackbox_exporter is not installed and apt-get could not install it (${why}); install it (Debian/Ubuntu package "${PACKAGE}") and run again`);
  }
  return installed;
}
