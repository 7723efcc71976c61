/**
 * What probe module authors import: the contract's types (erased at run time, so a module in any
 * folder can use them) and two helpers for `validate` messages in the config loader's wording
 * (a runtime import: fine for modules in the project's probes/ folder).
 */
export { BOOLEAN_EXPECTED, isTimeoutSeconds, MAX_PERIOD_S, MAX_TIMEOUT_S, MIN_PERIOD_S, MIN_TIMEOUT_S, TIMEOUT_EXPECTED } from './bounds.ts';
export { showValue } from './showValue.ts';
export { didYouMean } from './suggest.ts';
export type { CheckContext, CheckResult, OptionIssue, ProbeModule, RawCriterion, RawProbeOptions, Validation } from './types.ts';
export type { Logger, LogFields } from '../log/Logger.ts';
