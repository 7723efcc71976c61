/** Set by `deadpool run` for its children. */
export const PARENT_ENV = 'DEADPOOL_SUPERVISOR_PID';

/**
 * A supervised child stops (as on SIGTERM) when its supervisor is gone, even by SIGKILL: an
 * orphaned watcher or responder would keep a port or a flag folder nobody supervises.
 * Returns a function that stops following.
 */
export function followParent(env: NodeJS.ProcessEnv, stop: () => void, intervalMs = 500): () => void {
  const parent = Number(env[PARENT_ENV]);
  if (!Number.isInteger(parent) || parent <= 0) return () => undefined;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The supervisor's pid when this process is a child of `deadpool run` (its parent really is that pid), else undefined. */
export function supervisorPid(env: NodeJS.ProcessEnv, ppid: number): number | undefined {
  const parent = Number(env[PARENT_ENV]);
  return Number.isInteger(parent) && parent > 0 && parent === ppid ? parent : undefined;
}
