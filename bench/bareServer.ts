/**
 * Child program: the baseline of the throughput ratios, a bare node:http server answering a
 * static 200 "OK" with nothing else to do. Same runtime, same flags and same load generator as
 * the responder it is compared with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('OK\n');
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
