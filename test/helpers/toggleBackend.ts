import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP backend on 127.0.0.1 whose health the test flips: 200 "green" or 500 "red". */
export async function startToggleBackend() {
  let healthy = true;
  let requests = 0;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.writeHead(healthy ? 200 : 500, { 'content-type': 'text/plain', connection: 'close' });
    res.end(healthy ? 'elasticsearch green\n' : 'elasticsearch red\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setHealthy: (value: boolean) => (healthy = value),
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
