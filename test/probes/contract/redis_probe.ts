import type { ContractCase } from './ContractCase.ts';

export default {
  query: (host, port, timeout) => ({ host, port, password: 'contract-secret-42', timeout }),
  criteria: { primary: { type: 'role', query: 'master' } },
  secrets: ['contract-secret-42'],
  misspell: 'password',
} satisfies ContractCase;
