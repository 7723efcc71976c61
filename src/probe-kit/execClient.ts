/**
 * Runs commands for exec_probe through the exec helper (`execHelper.js`), a small long-lived
 * process started on first use: the watcher itself never forks (docs/architecture.md, "exec_probe's
 * helper process", says why).
 *
 * What the watcher keeps hold of, whatever the helper does:
 * - the deadline: at `timeoutMs` (or when the check's signal aborts) the helper is told to kill the
 *   command's group; if it then sends nothing at all for `HELPER_GRACE_MS` it is taken as hung
 *   (one still reporting other commands is only busy), killed, and every command it was running
 *   fails with a reason that says so;
 * - the commands: the helper reports each one's pid as it starts, so should the helper die, the
 *   client kills those groups itself rather than leave them running unwatched;
 * - restarts: a lost helper is replaced on the next request, at once the first time, then after a
 *   delay doubling from `BACKOFF_FIRST_MS` to `BACKOFF_MAX_MS` while helpers keep failing; one
 *   answered command resets it. Requests that come meanwhile wait for it, up to their deadline.
 *
 * The helper's process and channel are unreferenced while no command runs, so a process that only
 * ran a few checks (`deadpool check`, a test) can exit; the helper exits when its channel closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/Logger.ts';
import { formatSeconds } from './deadline.ts';
import type { FromHelper, HelperOutcome, RunMessage, ToHelper } from './execProtocol.ts';

/**
 * At most this many helpers. One Node process forking 100 commands a second is busy for most of
 * it: each spawn blocks its loop until the child has exec'd, 9-18 ms on the 2-core benchmark
 * machine (BENCHMARKS.md, "Issue 9"). Two fork side by side, and the second starts only while the
 * first has a command in flight when another comes.
 */
export const HELPERS = 2;
/** How long a helper may stay silent after a deadline before it is taken as hung. */
export const HELPER_GRACE_MS = 1000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 10_000;

/**
 * The helper's Node options: a 1 MB young generation and no V8 worker threads keep it near Node's
 * own floor (it holds little: the requests in flight and their output), and a smaller process is
 * cheaper to fork for every command.
 */
export const HELPER_NODE_FLAGS = ['--max-semi-space-size=1', '--v8-pool-size=0'] as const;
/** Next to this file, in src/ as in dist/ (the build copies it). */
export const HELPER_FILE = fileURLToPath(new URL('./execHelper.js', import.meta.url));

export interface ExecRequest {
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** Bytes kept per stream; the rest is read and dropped. */
  maxOutput: number;
  /** The first bytes of each stream are kept (default), or the last. */
  keep?: 'head' | 'tail';
  /** Given on stdin, then closed. */
  input?: string;
}

/** The helper's outcome, or why there is none: the helper failed while the command ran (or before it could). */
export type ExecOutcome = HelperOutcome | { kind: 'helper-failed'; reason: string };

/** Starts a helper process with an IPC channel. */
export type StartHelper = () => ChildProcess;

/** Plain `node` (not this process's execArgv: under tsx that would load tsx into the helper too). */
export const startNodeHelper: StartHelper = () => {
  const env = { ...process.env };
  // NODE_OPTIONS could load a loader or preload modules: the helper should stay small.
  delete env['NODE_OPTIONS'];
  return spawn(process.execPath, [...HELPER_NODE_FLAGS, HELPER_FILE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
};

interface Pending {
  message: RunMessage;
  log: Logger | undefined;
  /** The helper it was sent to; undefined while waiting for one to start. */
  helper: Helper | undefined;
  pid: number | undefined;
  cancelled: boolean;
  finish: (outcome: ExecOutcome) => void;
  onStarted: ((pid: number) => void) | undefined;
  grace: NodeJS.Timeout | undefined;
}

interface Helper {
  child: ChildProcess;
  pending: Map<number, Pending>;
  lost: boolean;
  /** When it last sent a message (performance.now()): a helper slow to kill one command but still reporting others is busy, not hung. */
  heardAt: number;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty already.
  }
}

export class ExecClient {
  readonly #start: StartHelper;
  readonly #graceMs: number;
  readonly #size: number;
  readonly #helpers = new Set<Helper>();
  #nextId = 1;
  /** Requests waiting for a helper to be started after a failure. */
  readonly #waiting = new Set<Pending>();
  #startTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #notBefore = 0;
  #lastProblem = '';

  constructor({ start = startNodeHelper, graceMs = HELPER_GRACE_MS, size = HELPERS }: { start?: StartHelper; graceMs?: number; size?: number } = {}) {
    this.#start = start;
    this.#graceMs = graceMs;
    this.#size = size;
  }

  /** The running helpers' pids. */
  get helperPids(): number[] {
    return [...this.#helpers].flatMap((helper) => (helper.child.pid === undefined ? [] : [helper.child.pid]));
  }

  /** The pids of the commands in flight, as their helpers reported them. */
  get commandPids(): number[] {
    return [...this.#helpers].flatMap((helper) => [...helper.pending.values()].flatMap((pending) => (pending.pid === undefined ? [] : [pending.pid])));
  }

  /**
   * Runs one command. Settles once the helper reported it reaped (or failed to start it), or with
   * `helper-failed` if the helper died or hung meanwhile; never rejects.
   */
  run(request: ExecRequest, signal: AbortSignal, log?: Logger, onStarted?: (pid: number) => void): Promise<ExecOutcome> {
    // An abort that came before the call fires no event: the command would start and run to its timeout.
    if (signal.aborted) return Promise.resolve({ kind: 'timeout' });
    return new Promise<ExecOutcome>((resolve) => {
      const id = this.#nextId++;
      const message: RunMessage = {
        type: 'run',
        id,
        file: request.file,
        args: [...request.args],
        env: request.env,
        ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
        timeoutMs: request.timeoutMs,
        maxOutput: request.maxOutput,
        ...(request.keep === undefined ? {} : { keep: request.keep }),
        ...(request.input === undefined ? {} : { input: request.input }),
      };
      const onDeadline = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onDeadline);
        this.#cancel(pending);
      };
      const pending: Pending = {
        message,
        log,
        helper: undefined,
        pid: undefined,
        cancelled: false,
        grace: undefined,
        onStarted,
        finish: (outcome) => {
          clearTimeout(timer);
          clearTimeout(pending.grace);
          signal.removeEventListener('abort', onDeadline);
          resolve(outcome);
        },
      };
      const timer = setTimeout(onDeadline, request.timeoutMs);
      signal.addEventListener('abort', onDeadline, { once: true });
      this.#submit(pending);
    });
  }

  /** To the least busy helper; another is started only while every running one is busy. */
  #submit(pending: Pending): void {
    let helper: Helper | undefined;
    for (const candidate of this.#helpers) if (helper === undefined || candidate.pending.size < helper.pending.size) helper = candidate;
    const more = helper === undefined || (helper.pending.size > 0 && this.#helpers.size < this.#size);
    if (more && Date.now() >= this.#notBefore) helper = this.#launch() ?? helper;
    if (helper !== undefined) return this.#send(helper, pending);
    this.#waiting.add(pending);
    this.#scheduleStart();
  }

  #scheduleStart(): void {
    this.#startTimer ??= setTimeout(
      () => {
        this.#startTimer = undefined;
        if (this.#waiting.size === 0) return;
        const helper = this.#helpers.values().next().value ?? this.#launch();
        if (helper === undefined) return this.#scheduleStart();
        for (const waiting of this.#waiting) this.#send(helper, waiting);
        this.#waiting.clear();
      },
      Math.max(0, this.#notBefore - Date.now()),
    );
  }

  #send(helper: Helper, pending: Pending): void {
    pending.helper = helper;
    helper.pending.set(pending.message.id, pending);
    if (helper.pending.size === 1) {
      helper.child.ref();
      helper.child.channel?.ref();
    }
    this.#post(helper, pending.message);
  }

  #post(helper: Helper, message: ToHelper): void {
    // A failed send means the channel is closing: `disconnect` or `exit` fails what is pending.
    if (helper.child.connected) helper.child.send(message, (error) => void error);
  }

  #cancel(pending: Pending): void {
    if (pending.cancelled) return;
    pending.cancelled = true;
    const helper = pending.helper;
    if (helper === undefined) {
      this.#waiting.delete(pending);
      if (this.#waiting.size === 0) {
        clearTimeout(this.#startTimer);
        this.#startTimer = undefined;
      }
      pending.finish({ kind: 'helper-failed', reason: `no exec helper to run the command: the last one ${this.#lastProblem}; restarting it` });
      return;
    }
    this.#post(helper, { type: 'cancel', id: pending.message.id });
    const hung = (): void => {
      const silentMs = performance.now() - helper.heardAt;
      if (silentMs < this.#graceMs) {
        pending.grace = setTimeout(hung, this.#graceMs - silentMs);
        return;
      }
      const problem = `did not answer for ${formatSeconds(this.#graceMs)} after a deadline`;
      pending.log?.warning(`the exec helper ${problem}: killing it (it is restarted on the next check)`);
      helper.child.kill('SIGKILL');
      this.#lose(helper, problem, '(killed)');
    };
    pending.grace = setTimeout(hung, this.#graceMs);
  }

  #launch(): Helper | undefined {
    let child: ChildProcess;
    try {
      child = this.#start();
    } catch (error) {
      // spawn throws for a few errors (EMFILE, EAGAIN…) rather than emitting them.
      this.#failed(`could not be started (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
    const helper: Helper = { child, pending: new Map(), lost: false, heardAt: performance.now() };
    this.#helpers.add(helper);
    child.on('message', (message: FromHelper) => {
      helper.heardAt = performance.now();
      const pending = helper.pending.get(message.id);
      if (pending === undefined) return;
      if (message.type === 'started') {
        pending.pid = message.pid;
        pending.onStarted?.(message.pid);
        return;
      }
      helper.pending.delete(message.id);
      this.#failures = 0;
      if (helper.pending.size === 0) {
        child.unref();
        child.channel?.unref();
      }
      pending.finish(message.outcome);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Also emitted when a kill or a send fails: only a helper that never started is lost by it.
      if (child.pid === undefined) this.#lose(helper, `could not be started (${error.code ?? error.message})`, 'to run the command');
    });
    child.on('exit', (code, signal) => this.#lose(helper, `exited (${signal ?? `exit ${code}`})`, 'before the command finished'));
    // The channel closes as the helper dies, usually before its exit is seen: the exit says why, so
    // the helper is only taken out of use here (and killed, should it live on without a channel).
    child.on('disconnect', () => {
      this.#helpers.delete(helper);
      child.kill('SIGKILL');
    });
    return helper;
  }

  /** Counts a failure (`problem`: what the helper did) and sets when the next helper may start: at once after the first, then later and later. */
  #failed(problem: string): void {
    this.#failures++;
    this.#notBefore = Date.now() + (this.#failures === 1 ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (this.#failures - 2), BACKOFF_MAX_MS));
    this.#lastProblem = problem;
  }

  /**
   * Fails what the helper was running, `the exec helper <problem> <context>` (killing the commands
   * it started), and schedules its replacement.
   */
  #lose(helper: Helper, problem: string, context: string): void {
    if (helper.lost) return;
    helper.lost = true;
    this.#helpers.delete(helper);
    this.#failed(problem);
    const reason = `the exec helper ${problem} ${context}`;
    helper.child.unref();
    helper.child.channel?.unref();
    for (const pending of helper.pending.values()) {
      killGroup(pending.pid);
      pending.finish({ kind: 'helper-failed', reason });
    }
    helper.pending.clear();
  }
}

/** The one client exec_probe uses: its first helper is started by the first check. */
export const execClient = new ExecClient();
