/**
 * The messages between the exec client (`execClient.ts`, in the watcher) and the exec helper
 * (`execHelper.js`, the small process that spawns commands for it), over Node's IPC channel.
 * Types only: the helper is plain JavaScript and checks itself against these through JSDoc.
 */

/** Run `file` with `args` in a process group of its own; kill the group at `timeoutMs` from receipt. */
export interface RunMessage {
  type: 'run';
  id: number;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** Bytes kept per stream (stdout, stderr); the rest is read and dropped. */
  maxOutput: number;
  /** Which bytes are kept: the first (default; a probe's verdict is at the top) or the last (an action's log shows how it ended). */
  keep?: 'head' | 'tail';
  /** Written to the command's stdin, which is then closed (a notifier's event); stdin is /dev/null without it. */
  input?: string;
}

/** The watcher's deadline came first, or the check is no longer wanted: kill the command's group. */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type ToHelper = RunMessage | CancelMessage;

/** The command runs: lets the client kill its group itself should the helper die first. */
export interface StartedMessage {
  type: 'started';
  id: number;
  pid: number;
}

export type HelperOutcome =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: 'timeout' }
  /** No process was started (no such program, not executable, no such folder). */
  | { kind: 'unstartable'; code: string | undefined; message: string };

/** Sent once the command's own process has been reaped (or was never started). */
export interface DoneMessage {
  type: 'done';
  id: number;
  outcome: HelperOutcome;
}

export type FromHelper = StartedMessage | DoneMessage;
