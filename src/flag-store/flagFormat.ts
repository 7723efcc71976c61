/** Flag files are `<probe>.dead`; anything else in the folder (temp files start with ".") is not a flag. */
export const FLAG_SUFFIX = '.dead';

export const flagFileName = (probe: string): string => probe + FLAG_SUFFIX;

/** The probe a file name flags, or undefined for temp files and strangers. */
export function probeOfFlag(fileName: string): string | undefined {
  if (!fileName.endsWith(FLAG_SUFFIX) || fileName.startsWith('.')) return undefined;
  const probe = fileName.slice(0, -FLAG_SUFFIX.length);
  return probe === '' ? undefined : probe;
}

export interface FlagContent {
  probe: string;
  module: string;
  reason: string;
  /** When the probe went down (first failure of the run that tripped `fall`). */
  since: Date;
  lastCheck: Date;
  /** The failures in a row that the last run of failures counted (kept while recovering). */
  failures: number;
  /** Down but passing again: passes in a row so far, of the `rise` needed. */
  recovering?: { passes: number; rise: number };
}

/**
 * Made for `cat`: the first line is the reason (the responder shows it), then labelled facts.
 * Reasons are single-line; a multi-line reason keeps only its first line here.
 */
export function formatFlag(flag: FlagContent): string {
  return [
    firstLine(flag.reason),
    `probe:      ${flag.probe}`,
    `module:     ${flag.module}`,
    `down since: ${flag.since.toISOString()}`,
    `last check: ${flag.lastCheck.toISOString()}`,
    `failures:   ${flag.failures} in a row`,
    ...(flag.recovering ? [`recovering: ${flag.recovering.passes} of ${flag.recovering.rise} passes`] : []),
    '',
  ].join('\n');
}

export function firstLine(text: string): string {
  const line = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return line === '' ? '(no reason given)' : line;
}
