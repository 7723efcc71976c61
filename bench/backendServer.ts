/**
 * Child program: the probed backend, a plain node:http server in its own process (so its CPU is
 * not counted as the watcher's). Healthy: 200 "elasticsearch green"; failing: 500 ("/steady" is
 * always healthy). Every answer
 * closes its connection, like toggleBackend in the tests. The parent flips it over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let healthy = true;
let requests = 0;
const server = http.createServer((req, res) => {
  requests++;
  // "/steady" stays healthy whatever the switch says: probes of the rest of the DC.
  const ok = healthy || req.url === '/steady';
  res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain', connection: 'close' });
  res.end(ok ? 'elasticsearch green\n' : 'elasticsearch red\n');
});
// 10,000 probes start their first checks in the same millisecond: Node's default backlog (511)
// would drop connections and turn them into 1 s SYN retries.
server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { healthy?: boolean; id?: number }) => {
  if (typeof message.healthy === 'boolean') healthy = message.healthy;
  process.send?.({ ack: message.id, requests });
});
process.on('disconnect', () => process.exit(0));
