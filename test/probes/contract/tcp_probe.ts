import type { ContractCase } from './ContractCase.ts';

// A banner criterion, so a listener that accepts and stays silent keeps the check waiting until its deadline.
export default {
  query: (host, port, timeout) => ({ host, port, timeout, send: 'PING\r\n' }),
  criteria: { banner: { type: 're_search', query: '^\\+PONG' } },
  secrets: [],
  misspell: 'timeout',
} satisfies ContractCase;
