import type { ProbeSpec } from '../../src/config/ProbeSpec.ts';
import type { CheckContext, CheckResult, ProbeModule } from '../../src/probe-api/types.ts';

export type Behaviour = (ctx: CheckContext<unknown>) => Promise<CheckResult> | CheckResult;

/** A real probe module whose next answers the test decides, counting calls and overlaps. */
export function controlledModule(initial: Behaviour) {
  const stats = { calls: 0, running: 0, maxRunning: 0 };
  let behaviour = initial;
  const module: ProbeModule<unknown> = {
    name: 'controlled',
    criteria: ['pass'],
    validate: () => ({ ok: true, options: {}, timeout: 1 }),
    async check(ctx) {
      stats.calls++;
      stats.running++;
      stats.maxRunning = Math.max(stats.maxRunning, stats.running);
      try {
        return await behaviour(ctx);
      } finally {
        stats.running--;
      }
    },
  };
  return { module, stats, set: (next: Behaviour) => (behaviour = next) };
}

export const pass: Behaviour = () => ({ ok: true, reason: 'fine' });
export const fail = (reason = 'status 500 not in [200]'): Behaviour => () => ({ ok: false, reason });

export function specFor(name: string, module: ProbeModule<unknown>, overrides: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    name,
    moduleName: module.name,
    moduleFile: `/test/${module.name}.ts`,
    module,
    options: {},
    enabled: true,
    periodMs: 20,
    timeoutMs: 1000,
    fall: 1,
    rise: 1,
    fingerprint: name,
    ...overrides,
  };
}
