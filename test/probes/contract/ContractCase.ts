/**
 * What the contract test (test/probes/contract.test.ts) needs to know of one bundled module: one
 * file per module in this folder, named after it, default-exporting a ContractCase. The test fails
 * for a bundled module without one.
 */
export interface ContractCase {
  /** A valid `query` aimed at `host:port`, with this deadline in seconds. */
  query(host: string, port: number, timeoutSeconds: number): Record<string, unknown>;
  /** A valid `success_criteria` for it (may be empty). */
  criteria?: Record<string, { type: string; query?: unknown }>;
  /** Values in that query that are secrets: they must appear in no reason, no log line and no config error. */
  secrets: string[];
  /** A key of `query` to misspell (dropping its last letter) in the unknown-key case. */
  misspell: string;
  /**
   * For a module that speaks UDP (dns_probe): a server of its own kind on 127.0.0.1 that receives
   * and never answers, used instead of the contract's TCP listener (whose port, to UDP, is simply
   * closed: an ICMP "port unreachable" and ECONNREFUSED at once, not a silent server).
   */
  silentServer?(): Promise<{ port: number; close(): void }>;
  /**
   * For a module that opens no connection (exec_probe): a query that runs until its deadline, used
   * instead of a silent listener; and no closed-port case.
   */
  hangs?(timeoutSeconds: number): Record<string, unknown>;
}
