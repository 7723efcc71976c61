import type { ContractCase } from './ContractCase.ts';

/** exec_probe opens no connection: host and port have no place in its query, and `hangs` stands in for the silent server. */
export default {
  query: (_host, _port, timeout) => ({ command: ['true'], timeout, env: { API_TOKEN: 'contract-secret-42' } }),
  criteria: { done: { type: 'exit_in', query: [0] } },
  secrets: ['contract-secret-42'],
  misspell: 'timeout',
  hangs: (timeout) => ({ command: ['sleep', '1000'], timeout, env: { API_TOKEN: 'contract-secret-42' } }),
} satisfies ContractCase;
