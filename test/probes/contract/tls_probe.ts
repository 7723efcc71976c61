import type { ContractCase } from './ContractCase.ts';

// No criteria: the defaults (expires_in_days_min 14, valid) apply; a silent listener never finishes the handshake.
export default {
  query: (host, port, timeout) => ({ host, port, timeout }),
  secrets: [],
  misspell: 'timeout',
} satisfies ContractCase;
