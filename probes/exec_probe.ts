/**
 * exec_probe: runs a command per check and judges its exit code and output, as Nagios plugins and
 * the Platoon agent's service scripts are judged (exit 0 = pass).
 *
 * Choices, and why:
 * - `command` is an argument list, run without a shell, so nothing in it is ever split, globbed or
 *   expanded by surprise. A string is a command line for `/bin/sh -c`, and only with `shell: True`:
 *   written without it, it is a config error rather than a guess at how to split it.
 * - The command runs in a process group of its own (`detached`: a new session). At the deadline the
 *   whole group gets SIGKILL, so a script's children die with it, also when the script itself has
 *   already exited and only its children still hold the output pipes. When a check ends in any
 *   way, whatever is still running in the group is killed too: a check leaves no process behind.
 *   (A child that starts a session of its own, with `setsid`, escapes the group: that is the one
 *   way out, and the command's author chooses it.)
 * - The command is spawned by the exec helper (src/probe-kit/execClient.ts, execHelper.js), a small
 *   process of its own, not by the watcher: Node's spawn blocks the spawning process's event loop
 *   until the child has exec'd, 9-18 ms per command from the watcher, which at 100 commands a
 *   second starved its heartbeat. The helper reports only once the command's process is reaped,
 *   so no zombie is left; should the helper die or hang, the check fails saying so.
 * - The environment is minimal and known: PATH, HOME and LANG as the watcher has them (those that
 *   are set), then `env`. Nothing else of the watcher's environment (tokens, proxies…) leaks in.
 *   `env` values are secrets: never in a config error, a reason or a log line; a value of four
 *   characters or more that the command prints is shown as `***` in the reason.
 * - stdin is /dev/null. Each of stdout and stderr is kept up to 64 KB; the rest is read and dropped,
 *   so a chatty command neither blocks on a full pipe nor fills the watcher's memory.
 * - The reason carries the exit code (or the signal) and the last non-empty line of stdout (else
 *   stderr), on one line, at most 200 characters: what a plugin's author writes there is the news.
 * - No criteria: the probe passes on exit 0 only. A command killed by a signal fails whatever the
 *   criteria: it did not finish.
 * - `validate` does no I/O: whether the command exists is found out by the check (`cannot run …`),
 *   since it may be installed after the config is loaded.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { defineProbe, type CriterionOf } from '../src/probe-api/defineProbe.ts';
import { secret } from '../src/probe-api/secret.ts';
import type { CheckResult } from '../src/probe-api/types.ts';
import { timeoutReason } from '../src/probe-kit/deadline.ts';
import { execClient, type ExecOutcome } from '../src/probe-kit/execClient.ts';
import { boolean, timeoutSeconds } from '../src/probe-kit/options.ts';
import { pythonPattern } from '../src/probe-kit/pythonPattern.ts';

const DEFAULT_TIMEOUT_S = 10;
/** Output kept per stream; the rest is drained and dropped. */
export const MAX_OUTPUT_BYTES = 64 * 1024;
/** The longest output line a reason quotes. */
export const MAX_LINE_CHARS = 200;
/** The variables passed from the watcher's own environment, when set; `env` adds to them (and may override them). */
export const INHERITED_ENV = ['PATH', 'HOME', 'LANG'] as const;
/** `env` values shorter than this are not masked in output lines: masking `1` or `en` would garble every reason. */
const MASK_MIN_CHARS = 4;
const SHELL = '/bin/sh';

// ---------------------------------------------------------------------------------------------- options

const hasNul = (text: string): boolean => text.includes('\0');

const COMMAND_EXPECTED = 'expected a list of arguments like ["/usr/lib/nagios/plugins/check_disk", "-w", "10%"] (or a command line string with shell: True)';

/** A list of strings, or a string; which of them fits `shell` is checked on the whole query. */
const command = z.unknown().transform((value, ctx): string | string[] => {
  if (typeof value !== 'string' && !Array.isArray(value)) {
    // invalid_type, so that a missing command reads "missing, expected …".
    ctx.addIssue({ code: 'invalid_type', expected: 'array', message: COMMAND_EXPECTED, input: value });
    return z.NEVER;
  }
  if (typeof value === 'string') {
    if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'expected a command line', input: value });
    else if (hasNul(value)) ctx.addIssue({ code: 'custom', message: 'expected a command line without NUL characters', input: value });
    return value;
  }
  if (value.length === 0) ctx.addIssue({ code: 'custom', message: COMMAND_EXPECTED, input: value });
  value.forEach((argument, i) => {
    if (typeof argument !== 'string') ctx.addIssue({ code: 'custom', path: [i], message: 'expected a string (quote it in YAML)', input: argument });
    else if (i === 0 && argument === '') ctx.addIssue({ code: 'custom', path: [i], message: 'expected the program to run, a path or a name found in PATH', input: argument });
    else if (hasNul(argument)) ctx.addIssue({ code: 'custom', path: [i], message: 'expected a string without NUL characters', input: argument });
  });
  return value as string[];
});

const ENV_NAME_EXPECTED = 'expected a variable name of letters, digits and _, not starting with a digit';
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: ENV_NAME_EXPECTED });
const envValue = secret(
  z.string({ error: 'expected a string (quote it in YAML)' }).refine((value) => !hasNul(value), { error: 'expected a string without NUL characters' }),
);

const query = z
  .strictObject({
    command,
    shell: boolean.default(false),
    timeout: timeoutSeconds(DEFAULT_TIMEOUT_S),
    env: z.record(envName, envValue, { error: 'expected a map of variable names to string values' }).default({}),
    cwd: z
      .string({ error: 'expected a folder' })
      .min(1, { error: 'expected a folder' })
      .refine((value) => !hasNul(value), { error: 'expected a folder without NUL characters' })
      .optional(),
  })
  .superRefine(
    (value, ctx) => {
      // Runs even when other keys have problems, so that every problem is reported at once.
      const { command: cmd, shell } = value as { command?: unknown; shell?: unknown };
      if (shell === true && Array.isArray(cmd)) {
        ctx.addIssue({ code: 'custom', path: ['command'], message: `expected a command line string for ${SHELL} -c, as shell is True`, input: cmd });
      } else if ((shell === false || shell === undefined) && typeof cmd === 'string') {
        ctx.addIssue({ code: 'custom', path: ['command'], message: `expected a list of arguments (a command line string runs through ${SHELL} -c only with shell: True)`, input: cmd });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

const EXIT_CODE_EXPECTED = 'expected an exit code (0-255)';
const exitCode = z.int({ error: EXIT_CODE_EXPECTED }).min(0, { error: EXIT_CODE_EXPECTED }).max(255, { error: EXIT_CODE_EXPECTED });

const criteria = {
  exit_in: z.array(exitCode, { error: 'expected a list of exit codes like [0, 1]' }).min(1, { error: 'expected a list of exit codes like [0, 1]' }),
  re_search: pythonPattern,
};

// ---------------------------------------------------------------------------------------------- running

// ---------------------------------------------------------------------------------------------- reasons

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The last non-empty line of `text`, on one line and at most MAX_LINE_CHARS: terminal escapes and
 * control characters dropped, runs of spaces and tabs made one space, secrets masked.
 */
export function lastLine(text: string, secrets: readonly string[] = []): string {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    let line = (lines[i] ?? '')
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
      .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g, '')
      .replace(/[\t ]+/g, ' ')
      .trim();
    if (line === '') continue;
    for (const value of secrets) line = line.replace(new RegExp(escapeRegExp(value), 'g'), '***');
    const chars = Array.from(line);
    return chars.length > MAX_LINE_CHARS ? `${chars.slice(0, MAX_LINE_CHARS - 1).join('')}…` : line;
  }
  return '';
}

const withLine = (head: string, line: string): string => (line === '' ? head : `${head}: ${line}`);

type ExecOptions = z.output<typeof query>;
type ExecCriterion = CriterionOf<typeof criteria>;

function judge(outcome: Extract<ExecOutcome, { kind: 'exited' }>, criteriaList: readonly ExecCriterion[], secrets: readonly string[]): CheckResult {
  const line = lastLine(outcome.stdout, secrets) || lastLine(outcome.stderr, secrets);
  if (outcome.code === null) return { ok: false, reason: withLine(`killed by ${outcome.signal ?? 'a signal'}`, line) };
  const code = outcome.code;
  if (criteriaList.length === 0) return { ok: code === 0, reason: withLine(`exit ${code}`, line) };
  const failures: string[] = [];
  for (const criterion of criteriaList) {
    if (criterion.type === 'exit_in') {
      if (!criterion.query.includes(code)) failures.push(withLine(`exit ${code} not in [${criterion.query.join(', ')}]`, line));
    } else if (!criterion.query.regex.test(outcome.stdout)) {
      failures.push(`stdout does not match /${criterion.query.pattern}/`);
    }
  }
  return failures.length > 0 ? { ok: false, reason: failures.join('; ') } : { ok: true, reason: withLine(`exit ${code}`, line) };
}

/** Why spawning failed, naming the folder when it is the folder that is missing. */
async function unstartableReason(error: { code: string | undefined; message: string }, program: string, cwd: string | undefined): Promise<string> {
  const code = error.code ?? error.message;
  if (cwd !== undefined && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES')) {
    const problem = await stat(cwd).then(
      (info) => (info.isDirectory() ? undefined : 'ENOTDIR'),
      (e: NodeJS.ErrnoException) => e.code ?? 'error',
    );
    if (problem !== undefined) return `cannot enter ${cwd}: ${problem}`;
  }
  return `cannot run ${program}: ${code}`;
}

/** PATH, HOME and LANG from the watcher (those set), then the probe's `env`. */
export function environment(env: Record<string, string>, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = from[name];
    if (value !== undefined) result[name] = value;
  }
  return { ...result, ...env };
}

// ---------------------------------------------------------------------------------------------- module

export default defineProbe({
  name: 'exec_probe',
  query,
  criteria,
  timeout: (q) => q.timeout,
  async check({ options, signal, timeoutMs, log }): Promise<CheckResult> {
    const q: ExecOptions = options.query;
    if (signal.aborted) return { ok: false, reason: timeoutReason(timeoutMs) };
    const argv = typeof q.command === 'string' ? [SHELL, '-c', q.command] : q.command;
    const program = argv[0] ?? SHELL;
    const secrets = Object.values(q.env).filter((value) => value.length >= MASK_MIN_CHARS);
    const started = performance.now();
    const [file, ...args] = argv as [string, ...string[]];
    const request = { file, args, env: environment(q.env), ...(q.cwd === undefined ? {} : { cwd: q.cwd }), timeoutMs, maxOutput: MAX_OUTPUT_BYTES };
    const outcome = await execClient.run(request, signal, log);
    const ms = Math.round(performance.now() - started);
    let result: CheckResult;
    if (outcome.kind === 'timeout') result = { ok: false, reason: timeoutReason(timeoutMs) };
    else if (outcome.kind === 'unstartable') result = { ok: false, reason: await unstartableReason(outcome, program, q.cwd) };
    else if (outcome.kind === 'helper-failed') result = { ok: false, reason: outcome.reason };
    else result = judge(outcome, options.criteria, secrets);
    // The program only: arguments and environment may carry credentials.
    log.debug(`${program}: ${result.reason} in ${ms} ms`, { duration_ms: ms });
    return result;
  },
});
