import net from 'node:net';
import path from 'node:path';
import { forEachLine } from '../supervisor/forEachLine.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { FORCE_SOCKET, MAX_REQUEST_CHARS, parseForceReply, type ForcedCheck } from './forceProtocol.ts';

/**
 * How long the watcher has to say how long it will take. It answers that before running anything,
 * so only a watcher that is frozen or whose event loop is stuck misses it, and then its results
 * would be late anyway: the state file (and fail closed) answers instead.
 */
export const ANNOUNCE_WITHIN_MS = 1000;
/** After the watcher's own deadline, for its last results and the end of the connection to arrive. */
const LATE_LINES_MS = 100;

/**
 * Asks the watcher to check `names` now (`?cache=false`) and resolves with the results that came
 * back in time, by probe: the watcher's deadline (the longest timeout of those probes + 1 s) or
 * `budgetMs`, whichever ends first. Probes missing from the map (not done in time, not run by the
 * watcher, or no watcher listening) count as they were: the caller answers for them from the
 * state file. Never rejects.
 */
export function forceChecks(folder: string, names: readonly string[], budgetMs: number, clock: Clock = systemClock): Promise<Map<string, ForcedCheck>> {
  const results = new Map<string, ForcedCheck>();
  if (names.length === 0) return Promise.resolve(results);
  return new Promise((resolve) => {
    const started = clock.now();
    const socket = net.createConnection(path.join(folder, FORCE_SOCKET));
    let timer: unknown;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      socket.destroy();
      resolve(results);
    };
    const finishIn = (ms: number): void => {
      clock.clearTimeout(timer);
      timer = clock.setTimeout(finish, Math.max(0, Math.min(ms, budgetMs - (clock.now() - started))));
    };
    finishIn(ANNOUNCE_WITHIN_MS);
    socket.on('connect', () => socket.write(`${JSON.stringify({ force: names })}\n`));
    socket.on('error', finish);
    void forEachLine(
      socket,
      (line) => {
        const reply = parseForceReply(line);
        if (reply === undefined) return;
        if ('wait_ms' in reply) finishIn(reply.wait_ms + LATE_LINES_MS);
        else {
          const { probe, ...check } = reply;
          results.set(probe, check);
        }
      },
      MAX_REQUEST_CHARS,
    ).then(finish);
  });
}
