import type { Logger } from '../log/Logger.ts';

/** One labelled entry of a probe's `success_criteria`, as written in config.yaml. */
export interface RawCriterion {
  type: string;
  query?: unknown;
}

/** What a module's `validate` receives: the probe's own sections of config.yaml, untouched. */
export interface RawProbeOptions {
  query: unknown;
  success_criteria: Record<string, RawCriterion>;
}

/** A problem in a probe's options; `path` is relative to the probe (e.g. `['query', 'url']`). */
export interface OptionIssue {
  path: (string | number)[];
  message: string;
}

export type Validation<O> =
  | {
      ok: true;
      options: O;
      /** Hard deadline of one check, in seconds. The watcher aborts the check when it passes. */
      timeout: number;
    }
  | { ok: false; issues: OptionIssue[] };

export interface CheckContext<O> {
  /** The probe's name in config.yaml (also its flag's file name). */
  probe: string;
  /** The options as returned by the module's `validate`. */
  options: O;
  /** Fires at the deadline; pass it to every I/O call so the check stops in time. */
  signal: AbortSignal;
  /** Deadline of this check in milliseconds, for reasons like `timeout after 2 s`. */
  timeoutMs: number;
  log: Logger;
}

export interface CheckResult {
  ok: boolean;
  /** Short and specific: `status 500 not in [200]`, `ECONNREFUSED 10.0.0.5:9200`. */
  reason: string;
}

/**
 * The contract of a probe module: its default export. A module reports; the watcher decides.
 * It never writes flags, keeps timers past its check or exits the process.
 */
export interface ProbeModule<O = unknown> {
  /** Equals the file name without extension (`url_probe`). */
  readonly name: string;
  /** The `success_criteria` types this module understands (`re_search`, `status_in`, `pass`…). */
  readonly criteria: readonly string[];
  /** Checks the probe's `query` and `success_criteria` once, at load; never does I/O. */
  validate(raw: RawProbeOptions): Validation<O>;
  check(ctx: CheckContext<O>): Promise<CheckResult>;
}
