/**
 * Child program of tickMapAB.ts: bareServer.ts's handler in a process started with `--expose-gc`
 * that runs two major collections when asked over IPC, and with `--hold` keeps a tick object
 * alive (keepTickMapAlive, as `deadpool web` does).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepTickMapAlive } from '../src/web/keepTickMapAlive.ts';

if (process.argv.includes('--hold')) void keepTickMapAlive();
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('gcCycleServer.ts needs node --expose-gc');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('OK\n');
});
server.listen({ host: '127.0.0.1', port: 0 }, () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
// From a timer, not from the IPC message's own callbacks: the collections must run while no tick
// object is alive, as they do between a real responder's heartbeats.
process.on('message', (message: { id?: number }) => {
  setTimeout(() => {
    collect();
    collect();
    process.send?.({ ack: message.id });
  }, 20);
});
process.on('disconnect', () => process.exit(0));
