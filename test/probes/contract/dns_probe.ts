import dgram from 'node:dgram';
import type { ContractCase } from './ContractCase.ts';

export default {
  query: (host, port, timeout) => ({ name: 'contract.example', type: 'A', server: `${host}:${port}`, timeout }),
  criteria: { some: { type: 'min_answers', query: 1 } },
  secrets: [],
  misspell: 'server',
  // DNS goes over UDP: a silent server is a UDP socket that reads the query and never answers.
  silentServer: async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return { port: socket.address().port, close: () => socket.close() };
  },
} satisfies ContractCase;
