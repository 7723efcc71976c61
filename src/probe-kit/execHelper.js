// @ts-check
/**
 * The exec helper: a small long-lived process that spawns exec_probe's commands for the watcher
 * (docs/architecture.md, "exec_probe's helper process"). Node's `spawn` forks the calling process
 * and waits for the child's `exec` on its event loop: from the ~100 MB watcher that cost 9-18 ms of
 * blocked loop per command, enough at 100 commands/s to starve the watcher's heartbeat. Forking
 * this process instead is cheaper, and whatever blocking remains is on its loop, not the watcher's.
 *
 * Plain JavaScript with one import so that plain `node` runs it, from src/ as from dist/, without
 * tsx's loader (about 35 MB and a thread, which would make every fork dearer). Type-checked through
 * JSDoc against `execProtocol.ts`.
 *
 * It follows its parent: when the IPC channel closes (the watcher exited or died) it kills every
 * command it runs and exits. SIGINT and SIGHUP are ignored: a terminal sends them to the whole
 * process group, and what the watcher does about them (stop, reload) is the watcher's to decide.
 */
import { spawn } from 'node:child_process';

/** @typedef {import('./execProtocol.ts').ToHelper} ToHelper */
/** @typedef {import('./execProtocol.ts').FromHelper} FromHelper */
/** @typedef {import('./execProtocol.ts').RunMessage} RunMessage */
/** @typedef {import('./execProtocol.ts').HelperOutcome} HelperOutcome */

/** @type {Map<number, () => void>} what cancels each command in flight, by request id */
const running = new Map();

/** @param {FromHelper} message */
function reply(message) {
  // The channel may be closing: the `disconnect` handler then cleans up.
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
}

/**
 * SIGKILL to every process of the group; nothing left in it is fine.
 * @param {number | undefined} pid
 */
function killGroup(pid) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty already.
  }
}

/**
 * Keeps the first (or the last) `max` bytes of a stream and drains the rest.
 * @param {import('node:stream').Readable | null} stream
 * @param {number} max
 * @param {'head' | 'tail'} keep
 * @returns {() => string}
 */
function capture(stream, max, keep) {
  if (stream === null) return () => '';
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  stream.on('data', (/** @type {Buffer} */ chunk) => {
    if (keep === 'tail') {
      chunks.push(chunk);
      size += chunk.length;
      while (chunks.length > 1 && size - (chunks[0]?.length ?? 0) >= max) size -= chunks.shift()?.length ?? 0;
      return;
    }
    if (size >= max) return;
    const kept = chunk.length <= max - size ? chunk : Buffer.from(chunk.subarray(0, max - size));
    chunks.push(kept);
    size += kept.length;
  });
  // A read error ends the stream; what was read is still judged.
  stream.on('error', () => undefined);
  return () => {
    const all = Buffer.concat(chunks);
    return (all.length > max ? all.subarray(all.length - max) : all).toString('utf8');
  };
}

/**
 * Runs the command in a process group of its own until it exits and its output pipes close, or
 * until its deadline or a cancel, and kills whatever remains in the group either way. Replies
 * `done` only once the command's own process has been reaped, so the watcher is never told about a
 * command that still has a zombie.
 * @param {RunMessage} request
 */
function run(request) {
  const { id } = request;
  /** @type {import('node:child_process').ChildProcess} */
  let child;
  try {
    child = spawn(request.file, request.args, {
      detached: true,
      stdio: [request.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: request.env,
      ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
    });
  } catch (error) {
    const e = /** @type {NodeJS.ErrnoException} */ (error);
    reply({ type: 'done', id, outcome: { kind: 'unstartable', code: e.code, message: e.message } });
    return;
  }
  const keep = request.keep ?? 'head';
  const stdout = capture(child.stdout, request.maxOutput, keep);
  const stderr = capture(child.stderr, request.maxOutput, keep);
  if (child.stdin) {
    // A command that exits without reading its input makes the write fail (EPIPE): that is its choice.
    child.stdin.on('error', () => undefined);
    child.stdin.end(request.input);
  }
  let exited = false;
  let settled = false;
  if (child.pid !== undefined) reply({ type: 'started', id, pid: child.pid });

  /** @param {HelperOutcome} outcome */
  const settle = (outcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    running.delete(id);
    killGroup(child.pid);
    child.stdout?.destroy();
    child.stderr?.destroy();
    reply({ type: 'done', id, outcome });
  };

  const onDeadline = () => {
    if (settled) return;
    clearTimeout(timer);
    running.delete(id);
    killGroup(child.pid);
    // Report once the command's own process is reaped: SIGKILL leaves it no say in how long that takes.
    if (exited || child.pid === undefined) settle({ kind: 'timeout' });
    else child.once('exit', () => settle({ kind: 'timeout' }));
  };

  const timer = setTimeout(onDeadline, request.timeoutMs);
  running.set(id, onDeadline);

  child.on('error', (/** @type {NodeJS.ErrnoException} */ error) => {
    // Spawning failed (no such program, not executable, no such cwd): there is no process.
    if (child.pid === undefined) settle({ kind: 'unstartable', code: error.code, message: error.message });
  });
  child.once('exit', () => {
    exited = true;
  });
  // `close`: the process exited and every holder of its pipes (children included) closed them.
  child.once('close', (/** @type {number | null} */ code, /** @type {NodeJS.Signals | null} */ signal) => {
    if (child.pid === undefined) return;
    settle({ kind: 'exited', code, signal, stdout: stdout(), stderr: stderr() });
  });
}

process.on('message', (/** @type {ToHelper} */ message) => {
  if (message.type === 'run') run(message);
  else running.get(message.id)?.();
});

process.on('disconnect', () => {
  for (const cancel of running.values()) cancel();
  process.exit(0);
});

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
