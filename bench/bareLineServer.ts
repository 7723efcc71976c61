/**
 * Child program: the baseline of the agent's figures, a bare node:net server that answers every
 * connection with one constant agent line and closes it, with nothing else to do.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.end('up ready 100%\n');
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
