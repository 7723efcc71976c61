import fs from 'node:fs';

/** The first fd systemd passes (SD_LISTEN_FDS_START): stdin, stdout and stderr come before it. */
export const LISTEN_FDS_START = 3;

/** The names DeadPool listens on: `FileDescriptorName=` of its socket units. */
export const SOCKET_NAMES = ['web', 'agent'] as const;
export type SocketName = (typeof SOCKET_NAMES)[number];

export const LISTEN_ENV = ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES'] as const;

/** Listening sockets received from systemd (or from `deadpool run`), by `FileDescriptorName=`. */
export interface InheritedSockets {
  /** name → fd, for the names DeadPool knows. */
  fds: Map<SocketName, number>;
  /** Every fd received, in order, with its name: what `deadpool run` hands on to the responder. */
  all: { name: string; fd: number }[];
  /** Things worth a warning (an unknown name, a name given twice): the sockets are still usable. */
  warnings: string[];
}

export class InheritedSocketsError extends Error {}

export interface InheritedSocketsOptions {
  /** This process's pid: LISTEN_PID must name it, so sockets meant for a parent are never taken. */
  pid: number;
  /**
   * The parent's pid when it is `deadpool run`: it hands its own sockets on at the same fd numbers
   * and cannot know the child's pid before spawning it, so LISTEN_PID names the supervisor.
   */
  supervisorPid?: number;
  /** Tells a socket from any other fd (injected so tests need no real fds). */
  isSocket?: (fd: number) => boolean;
}

/**
 * Reads the socket-activation protocol (sd_listen_fds(3)) from `env` and removes its variables
 * from it, so that nothing this process spawns (the watcher, probe commands) believes the sockets
 * are its own. Returns no sockets when LISTEN_PID names another process; throws when the
 * variables are malformed or an fd is not a socket, because binding instead would hide the
 * mistake (or fail on a port the socket unit holds).
 */
export function takeInheritedSockets(env: NodeJS.ProcessEnv, { pid, supervisorPid, isSocket = fdIsSocket }: InheritedSocketsOptions): InheritedSockets {
  const { LISTEN_PID: listenPid, LISTEN_FDS: listenFds, LISTEN_FDNAMES: listenNames } = env;
  for (const key of LISTEN_ENV) delete env[key];
  const none: InheritedSockets = { fds: new Map(), all: [], warnings: [] };
  if (listenFds === undefined && listenPid === undefined) return none;
  const problems: string[] = [];
  if (listenPid === undefined || !/^[1-9][0-9]*$/.test(listenPid)) problems.push(`LISTEN_PID: expected a process id, got ${JSON.stringify(listenPid ?? '')}`);
  if (listenFds === undefined || !/^[0-9]+$/.test(listenFds)) problems.push(`LISTEN_FDS: expected a number of file descriptors, got ${JSON.stringify(listenFds ?? '')}`);
  if (problems.length > 0) throw new InheritedSocketsError(`socket activation: ${problems.join('; ')}`);
  const owner = Number(listenPid);
  if (owner !== pid && (supervisorPid === undefined || owner !== supervisorPid)) return none;
  const count = Number(listenFds);
  const names = listenNames === undefined || listenNames === '' ? [] : listenNames.split(':');
  if (names.length !== 0 && names.length !== count) {
    throw new InheritedSocketsError(`socket activation: LISTEN_FDNAMES: expected ${count} name(s) separated by ":" (one per fd of LISTEN_FDS), got ${JSON.stringify(listenNames)}`);
  }
  const result: InheritedSockets = { fds: new Map(), all: [], warnings: [] };
  for (let i = 0; i < count; i++) {
    const fd = LISTEN_FDS_START + i;
    // systemd's own name for an fd without FileDescriptorName= is "unknown".
    const name = names[i] ?? 'unknown';
    if (!isSocket(fd)) {
      problems.push(`fd ${fd} (${name}) is not an open socket`);
      continue;
    }
    result.all.push({ name, fd });
    if (!(SOCKET_NAMES as readonly string[]).includes(name)) {
      result.warnings.push(`socket activation: fd ${fd} is named "${name}", not one of ${SOCKET_NAMES.join(', ')} (FileDescriptorName= in the socket unit): not used`);
      continue;
    }
    if (result.fds.has(name as SocketName)) {
      result.warnings.push(`socket activation: fd ${fd} is named "${name}" like fd ${result.fds.get(name as SocketName)}: only the first is used`);
      continue;
    }
    result.fds.set(name as SocketName, fd);
  }
  if (problems.length > 0) throw new InheritedSocketsError(`socket activation: ${problems.join('; ')}`);
  return result;
}

/** The fd systemd passed for `name` (`web` for the responder, `agent` for the HAProxy agent), if any. */
export function inheritedFd(sockets: InheritedSockets, name: SocketName): number | undefined {
  return sockets.fds.get(name);
}

/**
 * How a parent hands the sockets it uses on to a child (`deadpool run` → `deadpool web`): the fds
 * go at 3, 4, … of the child's stdio, in this order, and `env` describes them; LISTEN_PID names
 * the parent, see `supervisorPid`.
 */
export function handOn(sockets: InheritedSockets, parentPid: number): { env: Record<string, string>; fds: number[] } {
  const known = [...sockets.fds];
  if (known.length === 0) return { env: {}, fds: [] };
  return {
    env: { LISTEN_PID: String(parentPid), LISTEN_FDS: String(known.length), LISTEN_FDNAMES: known.map(([name]) => name).join(':') },
    fds: known.map(([, fd]) => fd),
  };
}

export function fdIsSocket(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}
