import { commandEnv, lastLines, outcomeText, type RunCommand } from '../actions/RunCommand.ts';
import type { NotifierTarget } from './Notifier.ts';

export const COMMAND_ATTEMPTS = 1;
const MAX_OUTPUT = 2048;

/**
 * Runs `argv` once per event with the event's JSON (and a newline) on stdin; exit 0 delivers it.
 * Through the exec helper like every command of the watcher; its group is killed at `timeoutS`.
 */
export function commandTarget(argv: readonly string[], options: { timeoutS: number; attempts: number | undefined; cwd: string; run: RunCommand; describe?: string }): NotifierTarget {
  const [file, ...args] = argv;
  const timeoutMs = Math.round(options.timeoutS * 1000);
  return {
    describe: options.describe ?? `command ${file}`,
    attempts: options.attempts ?? COMMAND_ATTEMPTS,
    deliver: async (event, stop) => {
      // An aborted signal no longer fires: the command would run until its timeout.
      if (stop.aborted) throw new Error('stopped');
      const outcome = await options.run(
        { file: file!, args, env: commandEnv({ DEADPOOL_EVENT: event.event }), cwd: options.cwd, timeoutMs, maxOutput: MAX_OUTPUT, keep: 'tail', input: `${JSON.stringify(event)}\n` },
        stop,
      );
      if (outcome.kind === 'exited' && outcome.code === 0) return;
      const output = outcome.kind === 'exited' ? lastLines(outcome.stdout, outcome.stderr, 3) : '';
      throw new Error(`${outcomeText(outcome, timeoutMs)}${output === '' ? '' : ` (${output.replaceAll('\n', ' | ')})`}`);
    },
  };
}
