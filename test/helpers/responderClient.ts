import net from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

/** A free TCP port on 127.0.0.1 (bound, then released) for a process under test to listen on. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
  let running = true;
  const loop = (async () => {
    while (running) {
      last = await ask(origin, token, urlPath);
      counts.set(last.status, (counts.get(last.status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    get last() {
      return last;
    },
    count: (status: number) => counts.get(status) ?? 0,
    reset: () => counts.clear(),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
