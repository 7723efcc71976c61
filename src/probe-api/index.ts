/** What probe module authors import (types only: nothing here is needed at run time). */
export type { CheckContext, CheckResult, OptionIssue, ProbeModule, RawCriterion, RawProbeOptions, Validation } from './types.ts';
export type { Logger, LogFields } from '../log/Logger.ts';
