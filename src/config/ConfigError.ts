/**
 * A user's mistake in config.yaml or a probe module: every problem found, each line already
 * naming the file, the key path and what was expected. The CLI prints them and exits with 2.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `probes.elastic.query.url` — the key path as an operator would write it. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(top level)';
}
