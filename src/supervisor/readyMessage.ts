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
