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

export { keyPath } from '../probe-api/keyPath.ts';
