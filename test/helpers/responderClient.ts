import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/**
 * A free TCP port on 127.0.0.1 (bound, then released) for a process under test to listen on,
 * taken below the kernel's ephemeral range. A port from `listen(0)` is an ephemeral one: between
 * its release and the listen of the process under test, any outgoing connection of the suite
 * could take it as its local port, and under the full suite one did (the agent's EADDRINUSE in a
 * fresh clone, session 10). Below that range only another caller picking the same random port at
 * the same moment can.
 */
export async function freePort(): Promise<number> {
  const low = 10_000;
  const high = ephemeralStart() - 1;
  for (let attempt = 0; attempt < 50 && high > low; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if ((await bindable(port)) !== undefined) return port;
  }
  const port = await bindable(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/** The port once bound and released, or undefined when it could not be bound. */
async function bindable(port: number): Promise<number | undefined> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) return undefined;
  const { port: got } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return got;
}

/** One GET of `urlPath` with the bearer token; network errors come back as status 0 (responder not up yet). */
export async function ask(origin: string, token: string, urlPath = '/'): Promise<Answer> {
  try {
    const response = await fetch(origin + urlPath, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/**
 * Polls the responder every few ms until stopped, counting answers by status: lets a test assert
 * that no 200 was served while a failure lasted.
 */
export function pollResponder(origin: string, token: string, everyMs = 5, urlPath = '/') {
  const counts = new Map<number, number>();
  let last: Answer = { status: 0, body: '' };
  let lastSentAt = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sentAt = Date.now();
      last = await ask(origin, token, urlPath);
      lastSentAt = sentAt;
      counts.set(last.status, (counts.get(last.status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    get last() {
      return last;
    },
    /** When the request of `last` was sent (epoch ms): on a loaded machine `last` can be seconds old. */
    get lastSentAt() {
      return lastSentAt;
    },
    count: (status: number) => counts.get(status) ?? 0,
    reset: () => counts.clear(),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
