import type { ExecOutcome, ExecRequest } from '../probe-kit/execClient.ts';

/**
 * Runs one command and settles once it is reaped, never rejects (ExecClient.run through the exec
 * helper in production: the watcher itself never forks). `onStarted` is told its pid as it starts.
 */
export type RunCommand = (request: ExecRequest, signal: AbortSignal, onStarted?: (pid: number) => void) => Promise<ExecOutcome>;

/** The environment a command gets: the watcher's, without NODE_OPTIONS (a preload meant for DeadPool), plus `extra`. */
export function commandEnv(extra: Record<string, string>, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, ...extra };
}

/** The last `lines` non-empty lines of a command's output, stdout then stderr. */
export function lastLines(stdout: string, stderr: string, lines = 10): string {
  return [stdout, stderr]
    .flatMap((text) => text.split('\n'))
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-lines)
    .join('\n');
}

/** How a command ended, in a few words: `exit 0`, `signal SIGTERM`, `timed out after 30 s (its group killed)`… */
export function outcomeText(outcome: ExecOutcome, timeoutMs: number): string {
  switch (outcome.kind) {
    case 'exited':
      return outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.code}`;
    case 'timeout':
      return `timed out after ${timeoutMs / 1000} s (its process group killed)`;
    case 'unstartable':
      return `could not be started (${outcome.code ?? outcome.message})`;
    case 'helper-failed':
      return outcome.reason;
  }
}
