/**
 * What a child of `deadpool run` sends its supervisor over the IPC channel once it is up (the
 * responder listening, the watcher's loops started). Until then, an exit with a config or
 * start-up error is final: restarting cannot fix a missing token file or a port in use.
 */
export const READY_MESSAGE = { deadpool: 'ready' } as const;

export function isReadyMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { deadpool?: unknown }).deadpool === READY_MESSAGE.deadpool;
}

/** Tells the supervisor, if there is one, that this process is up; never throws (the supervisor may be gone). */
export function sendReady(): void {
  if (!process.connected || !process.send) return;
  // With a callback, a channel closed meanwhile is an error passed to it, not an 'error' event that would crash us.
  process.send(READY_MESSAGE, undefined, {}, () => undefined);
}

/**
 * What the responder tells `deadpool run` on every change of its answer, and every
 * STATUS_EVERY_MS while nothing changes (so the supervisor knows it is alive): the systemd
 * STATUS= text, and whether the answer rests on results yet (READY=1 waits for that).
 */
export interface StatusMessage {
  deadpool: 'status';
  text: string;
  settled: boolean;
}

export const STATUS_EVERY_MS = 1000;

export function isStatusMessage(message: unknown): message is StatusMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<StatusMessage>;
  return m.deadpool === 'status' && typeof m.text === 'string' && typeof m.settled === 'boolean';
}

/** Sends the responder's status to the supervisor, if there is one; never throws. */
export function sendStatus(text: string, settled: boolean): void {
  if (!process.connected || !process.send) return;
  const message: StatusMessage = { deadpool: 'status', text, settled };
  process.send(message, undefined, {}, () => undefined);
}
