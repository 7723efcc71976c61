import type { ContractCase } from './ContractCase.ts';

export default {
  query: (host, port, timeout) => ({ server: host, port, user: 'deadpool', pass: 'contract-secret-42', db_name: 'master', query: 'SELECT * FROM sys.databases;', timeout }),
  criteria: { db: { type: 'exists', query: { name: 'master', state: 1 } } },
  secrets: ['contract-secret-42'],
  misspell: 'server',
} satisfies ContractCase;
