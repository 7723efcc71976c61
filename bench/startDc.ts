import { forkServer, type ForkedServer } from './forkServer.ts';
import { Poller } from './Poller.ts';
import { startDeadpool, TOKEN, waitForFirstRound, type Deadpool } from './startDeadpool.ts';

/** The probe whose backend the bench flips. */
export const FLIPPING_PROBE = 'elastic';
/** A probe checked once an hour: it stays fresh and up, so its flag is the operator's to write. */
export const MANUAL_PROBE = 'manual';

export interface Dc {
  backend: ForkedServer;
  deadpool: Deadpool;
  /** Flips the backend of FLIPPING_PROBE; resolves with performance.now() from just before the flip. */
  setHealthy(healthy: boolean): Promise<number>;
  /** A poller of the responder with the token, `gapMs` between requests (started). */
  poll(gapMs: number): Poller;
  stop(): Promise<void>;
}

/**
 * A small data center as DeadPool sees it: one local backend process and four url_probe probes
 * at period 1 s with fall = rise = 1 (elastic, whose backend flips; mongo and sql, always
 * healthy) plus `manual`, checked once an hour; `deadpool watcher` and `deadpool web` running.
 * Resolves once every probe has a result and the responder says so.
 */
export async function startDc(options: { healthy?: boolean; sections?: string } = {}): Promise<Dc> {
  const backend = await forkServer('backendServer.ts');
  const healthy = options.healthy ?? true;
  await backend.ask({ healthy });
  const steady = `${backend.url}steady`;
  const deadpool = await startDeadpool({
    probes: [
      { name: FLIPPING_PROBE, url: backend.url, period: 1, timeout: 0.5, fall: 1, rise: 1 },
      { name: 'mongo', url: steady, period: 1, timeout: 0.5 },
      { name: 'sql', url: steady, period: 1, timeout: 0.5 },
      { name: MANUAL_PROBE, url: steady, period: 3600, timeout: 0.5 },
    ],
    ...(options.sections === undefined ? {} : { sections: options.sections }),
  });
  await waitForFirstRound(deadpool, 4, 30_000);
  const poll = (gapMs: number): Poller => new Poller(deadpool.origin, TOKEN, gapMs).start();
  const first = poll(5);
  await first.next((a) => a.status === (healthy ? 200 : 503), 10_000).finally(() => first.stop());
  return {
    backend,
    deadpool,
    setHealthy: async (value) => {
      const at = performance.now();
      await backend.ask({ healthy: value });
      return at;
    },
    poll,
    stop: async () => {
      await deadpool.stop();
      await backend.child.stop();
    },
  };
}
