import type { ProbeModule } from '../probe-api/types.ts';

/** A probe ready to run: its config entry validated, its module loaded and its options checked. */
export interface ProbeSpec {
  name: string;
  moduleName: string;
  moduleFile: string;
  module: ProbeModule<unknown>;
  /** What the module's `validate` returned; passed to every `check`. */
  options: unknown;
  enabled: boolean;
  periodMs: number;
  timeoutMs: number;
  fall: number;
  rise: number;
  /** The probe's config entry as written (normalised), to tell whether a reload changed it. */
  fingerprint: string;
}
