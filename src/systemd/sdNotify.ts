import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';

/** The variables of the notification protocol (sd_notify(3)); taken out of the environment so children do not inherit them. */
export const NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** How long one `systemd-notify` may take (it waits for systemd to have read the message): then it is killed. */
export const NOTIFY_TIMEOUT_MS = 5000;

export type SpawnNotify = (command: string, args: string[], env: NodeJS.ProcessEnv) => ChildProcess;

export interface NotifySettings {
  /** `$NOTIFY_SOCKET`; undefined: not started by systemd (or not Type=notify), nothing is sent. */
  socket: string | undefined;
  /** Half of `$WATCHDOG_USEC` in ms when the watchdog is on and meant for this process. */
  watchdogMs: number | undefined;
}

/**
 * Reads the notification variables and removes them from `env` (sd_notify's
 * `unset_environment`): a probe command or a child must not be able to speak for this service.
 * WATCHDOG_USEC counts only when WATCHDOG_PID is unset or names this process.
 */
export function takeNotifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings {
  const { NOTIFY_SOCKET: socket, WATCHDOG_USEC: usec, WATCHDOG_PID: watchdogPid } = env;
  for (const key of NOTIFY_ENV) delete env[key];
  const forUs = watchdogPid === undefined || watchdogPid === '' || Number(watchdogPid) === pid;
  const micros = usec !== undefined && /^[0-9]+$/.test(usec) ? Number(usec) : 0;
  return { socket: socket === '' ? undefined : socket, watchdogMs: forUs && micros > 0 ? Math.max(1, Math.floor(micros / 2000)) : undefined };
}

/** One notification: `KEY=VALUE` fields, sent as one datagram. */
export type Fields = Readonly<Record<string, string>>;

export interface SdNotify {
  readonly enabled: boolean;
  /** Queues `fields`; resolves once sent or given up (never rejects: systemd being away must not stop DeadPool). */
  send(fields: Fields): Promise<void>;
  /** Resolves once everything queued so far is sent or given up. */
  flush(): Promise<void>;
}

export interface SdNotifyDeps {
  socket: string | undefined;
  spawn: SpawnNotify;
  log: Logger;
  /** The `systemd-notify` to run. */
  command?: string;
  timeoutMs?: number;
  clock?: Clock;
}

/**
 * Sends notifications with systemd's own `systemd-notify` (docs/architecture.md, "systemd", says
 * why not a native addon): one process per message, one at a time, in order. A WATCHDOG=1 already
 * waiting is not queued twice. A value's line breaks become spaces: a newline would start a new
 * field.
 */
export function sdNotify({ socket, spawn, log, command = 'systemd-notify', timeoutMs = NOTIFY_TIMEOUT_MS, clock = systemClock }: SdNotifyDeps): SdNotify {
  let tail: Promise<void> = Promise.resolve();
  let watchdogQueued = false;
  let lastProblem: string | undefined;
  const report = (problem: string | undefined): void => {
    if (problem === lastProblem) return;
    if (problem !== undefined) log.error(`cannot notify systemd: ${problem}`, { component: 'systemd' });
    else log.info('notifying systemd works again', { component: 'systemd' });
    lastProblem = problem;
  };
  const run = (fields: Fields): Promise<void> =>
    new Promise<void>((resolve) => {
      const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}`);
      let child: ChildProcess;
      try {
        child = spawn(command, args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NOTIFY_SOCKET: socket });
      } catch (error) {
        report(`${command}: ${(error as Error).message}`);
        resolve();
        return;
      }
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
      const timer = clock.setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      // A command that cannot start emits 'error' and then 'close' too: the first one tells.
      let over = false;
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (over) return;
        over = true;
        clock.clearTimeout(timer);
        report(error.code === 'ENOENT' ? `${command} not found (it comes with the systemd package)` : `${command}: ${error.message}`);
        resolve();
      });
      child.once('close', (code, signal) => {
        if (over) return;
        over = true;
        clock.clearTimeout(timer);
        if (code === 0) report(undefined);
        else report(`${command} ${signal ? `was killed (${signal}) after ${timeoutMs} ms` : `exited with ${code}`}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1)}`}`);
        resolve();
      });
    });
  const send = (fields: Fields): Promise<void> => {
    if (socket === undefined) return Promise.resolve();
    const isWatchdog = Object.keys(fields).length === 1 && fields['WATCHDOG'] === '1';
    if (isWatchdog) {
      if (watchdogQueued) return tail;
      watchdogQueued = true;
    }
    tail = tail.then(() => {
      if (isWatchdog) watchdogQueued = false;
      return run(fields);
    });
    return tail;
  };
  return { enabled: socket !== undefined, send, flush: () => tail };
}
