import type { ContractCase } from './ContractCase.ts';

export default {
  query: (host, port, timeout) => ({ url: `http://${host}:${port}/health`, timeout, header: { Authorization: 'Bearer contract-secret-42' } }),
  criteria: { status: { type: 'status_in', query: [200] } },
  secrets: ['contract-secret-42'],
  misspell: 'timeout',
} satisfies ContractCase;
