/** Exit codes of every `deadpool` command (README, "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** `deadpool check`: at least one probe failed. */
  PROBE_FAILED: 1,
  /** A mistake in config.yaml, a probe module or the command line. */
  CONFIG: 2,
  /** A fault of DeadPool itself or of the machine (port in use, disk full); the message says which. */
  INTERNAL: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
