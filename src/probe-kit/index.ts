/**
 * The types a probe module author type-checks against (README, "Writing a probe module"): the kit
 * the loader hands a factory module, and the contract. Types only: a module in an outside folder
 * imports them with `import type`, which leaves nothing at run time.
 */
export type { ProbeKit } from './probeKit.ts';
export type { CriterionOf, DefinedProbe, ProbeDefinition, ProbeOptions } from '../probe-api/defineProbe.ts';
export type { CheckContext, CheckResult, OptionIssue, ProbeModule, RawCriterion, RawProbeOptions, Validation } from '../probe-api/types.ts';
export type { Logger, LogFields } from '../log/Logger.ts';
