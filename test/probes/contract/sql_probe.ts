import type { ContractCase } from './ContractCase.ts';

export default {
  query: (host, port, timeout) => ({ driver: 'postgres', server: host, port, user: 'deadpool', pass: 'contract-secret-42', db_name: 'app', timeout }),
  criteria: { some: { type: 'rows_min', query: 1 } },
  secrets: ['contract-secret-42'],
  misspell: 'db_name',
} satisfies ContractCase;
