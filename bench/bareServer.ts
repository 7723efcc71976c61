/**
 * Child program: the baseline of the throughput ratios, a bare node:http server answering a
 * static 200 "OK" with nothing else to do. Same runtime and same load generator as the responder
 * it is compared with; `npm run bench` starts it with Node's default flags (its young generation
 * is larger than the responder's 2 MB, which if anything favours the baseline), the by-hand
 * scripts that compare processes with the responder's (NODE_FLAGS.web). With `--beside`, see the end.
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

// `--beside <config>`: the same server in a process that also runs `deadpool web -c <config>`
// (bench/responderProcessAB.ts). The specifier is a variable so that type-checking does not need
// dist/ built.
const beside = process.argv.indexOf('--beside');
if (beside > 0) {
  const cli = new URL('../dist/src/cli/main.js', import.meta.url).href;
  const { main } = (await import(cli)) as { main: (argv: string[]) => Promise<number> };
  void main([process.argv[0]!, 'deadpool', 'web', '-c', process.argv[beside + 1]!]);
}
