import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));


const mirrors = new Map<number, string>();

/** Whether `user` can read `file` (every folder above it must let the user through). */
function canRead(file: string, user: { uid: number; gid: number }): boolean {
  const probe = spawnSync(process.execPath, ['-e', 'require("node:fs").accessSync(process.argv[1], 4)', file], { ...user, stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * A folder with the repo's runtime files that `user` can reach. The suite runs DeadPool as
 * `nobody` when it runs as root; a clone in a folder only its owner can enter (`mktemp -d`, /root)
 * is out of nobody's reach, so the runtime is mirrored once per test process into a temp folder
 * of mode 755 — hard links, so it costs ~0.2 s and no disk — and removed at exit.
 */
export function reachableRoot(user: { uid: number; gid: number } | undefined): string {
  if (!user) return REPO;
  const known = mirrors.get(user.uid);
  if (known) return known;
  let root = REPO;
  if (!canRead(path.join(REPO, 'bin', 'deadpool.js'), user)) {
    root = mkdtempSync(path.join(os.tmpdir(), 'deadpool-runtime-'));
    chmodSync(root, 0o755);
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    // Everything but git's own files: DeadPool, its dependencies, the bundled probes (which import src/), the fixtures.
    for (const entry of readdirSync(REPO).filter((name) => name !== '.git')) {
      const target = path.join(root, entry);
      try {
        execFileSync('cp', ['-al', path.join(REPO, entry), target], { stdio: 'ignore' });
      } catch {
        // Hard links cannot cross file systems: copy instead.
        rmSync(target, { recursive: true, force: true });
        execFileSync('cp', ['-a', path.join(REPO, entry), target]);
      }
    }
    if (!canRead(path.join(root, 'bin', 'deadpool.js'), user)) throw new Error(`uid ${user.uid} cannot read the runtime mirrored to ${root} either`);
  }
  mirrors.set(user.uid, root);
  return root;
}

/** `relative` (a path inside the repo) where the processes run as `user` can read it. */
export function repoPathFor(user: { uid: number; gid: number } | undefined, relative: string): string {
  return path.join(reachableRoot(user), relative);
}
