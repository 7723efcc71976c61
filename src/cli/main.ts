import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/ConfigError.ts';
import type { AckOptions } from './ackCommand.ts';
import type { DrainOptions } from './drainCommand.ts';
import type { MaintOptions } from './maintCommand.ts';
import { UsageError } from './UsageError.ts';
import { InheritedSocketsError } from '../systemd/inheritedSockets.ts';
import { NoFlagFolderError } from '../marks/writeMark.ts';
import { processIO, type CommandIO } from './CommandIO.ts';
import { EXIT } from './exitCodes.ts';
import { VERSION } from './version.ts';

type Action = (configFile: string, io: CommandIO) => Promise<number>;

/*
 * Each command's module is imported when that command runs, not with this file: `deadpool web`
 * loaded the watcher, the probe kit, the supervisor and every other command with it, code (and
 * its source text, which V8 keeps) that the responder's 80 MB never use.
 */

/** Builds the `deadpool` command line; `run` resolves with the exit code instead of exiting. */
export function buildProgram(io: CommandIO, done: (code: number) => void): Command {
  const program = new Command('deadpool')
    .description('Tells Cloudflare Load Balancing whether this data center is healthy.')
    .version(`deadpool ${VERSION}`, '-V, --version', 'print the version and exit')
    .addOption(new Option('-c, --config <file>', 'config file').env('DEADPOOL_CONFIG').default('./config.yaml'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const run = (action: Action) => async (_opts: unknown, command: Command) => {
    const { config } = command.optsWithGlobals<{ config: string }>();
    done(await guard(() => action(config, io), io));
  };

  program.command('watcher').description('probe on schedule and keep one <name>.dead flag per failing probe').action(run(async (file, io2) => (await import('./watcherCommand.ts')).watcherCommand(file, io2)));
  program
    .command('check')
    .description('run every enabled probe once; exit 0 if all pass, 1 if any fails')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await run(async (file, io2) => (await import('./checkCommand.ts')).checkCommand(file, opts.json === true, io2))(opts, command);
    });
  program.command('web').description('answer the Cloudflare monitor: 200 OK, or 503 and the dead probes').action(run(async (file, io2) => (await import('./webCommand.ts')).webCommand(file, io2)));
  program.command('run').description('start the watcher and the web responder as two supervised processes (npm start)').action(run(async (file, io2) => (await import('./runCommand.ts')).runCommand(file, io2)));
  program.command('validate').description('load the config and every probe module it names; print a summary').action(run(async (file, io2) => (await import('./validateCommand.ts')).validateCommand(file, io2)));

  const withConfig = (command: Command, action: (configFile: string) => Promise<number>) => async (): Promise<void> => {
    const { config } = command.optsWithGlobals<{ config: string }>();
    done(await guard(() => action(config), io));
  };
  const ack = program
    .command('ack')
    .description('accept a known failure of a probe (it stays shown, stops counting) until --for ends; --all: the whole DC, for /__health only')
    .argument('[probe]', 'the probe to ack')
    .option('--all', 'ack the DC: /__health says ok, the Cloudflare answers stay honest')
    .option('--reason <text>', 'why (required)')
    .option('--for <duration>', 'how long: 90s, 30m, 2h, 1d (default 24h, at most 30d)')
    .option('--user <name>', 'who acks (default: the OS user)');
  ack.action((probe: string | undefined, opts: AckOptions) => withConfig(ack, async (file) => (await import('./ackCommand.ts')).ackCommand(file, probe, opts, io))());
  const unack = program.command('unack').description('end an ack now').argument('[probe]', 'the acked probe').option('--all', 'end the DC-level ack');
  unack.action((probe: string | undefined, opts: { all?: boolean }) => withConfig(unack, async (file) => (await import('./ackCommand.ts')).unackCommand(file, probe, opts, io))());
  const drain = program
    .command('drain')
    .description('answer 503 for the DC (or one pool) whatever the probes say, so Cloudflare moves traffic away')
    .option('--pool <name>', 'drain only this pool (WEB.pools)')
    .option('--reason <text>', 'why (required)')
    .option('--for <duration>', 'how long: 90s, 30m, 2h, 1d (default: until undrain)')
    .option('--user <name>', 'who drains (default: the OS user)');
  drain.action((opts: DrainOptions) => withConfig(drain, async (file) => (await import('./drainCommand.ts')).drainCommand(file, opts, io))());
  const undrain = program.command('undrain').description('end a drain now').option('--pool <name>', 'the drained pool');
  undrain.action((opts: { pool?: string }) => withConfig(undrain, async (file) => (await import('./drainCommand.ts')).undrainCommand(file, opts, io))());
  const maint = program
    .command('maint')
    .description('put the DC in maintenance: every answer 503 with the reason, the HAProxy agent says maint')
    .option('--reason <text>', 'why (required)')
    .option('--for <duration>', 'how long: 90s, 30m, 2h, 1d (default: until unmaint)')
    .option('--user <name>', 'who (default: the OS user)');
  maint.action((opts: MaintOptions) => withConfig(maint, async (file) => (await import('./maintCommand.ts')).maintCommand(file, opts, io))());
  const unmaint = program.command('unmaint').description('end the maintenance now');
  unmaint.action(() => withConfig(unmaint, async (file) => (await import('./maintCommand.ts')).unmaintCommand(file, io))());
  const agent = program
    .command('agent')
    .description('print the line the HAProxy agent (Agent in config.yaml) answers now; exit 0 when up, 1 otherwise')
    .option('--once', "one answer, then exit (haproxy_agent's one-shot mode)");
  agent.action((opts: { once?: boolean }) => withConfig(agent, async (file) => (await import('./agentCommand.ts')).agentCommand(file, opts, io))());
  const unstick = program.command('unstick').description('let a sticky category that failed count on its probes again').argument('<category>', 'the category');
  unstick.action((category: string) => withConfig(unstick, async (file) => (await import('./unstickCommand.ts')).unstickCommand(file, category, io))());
  const status = program
    .command('status')
    .description('every probe, pool, maintenance, drain, sticky mark and ack as the responder sees them; exit 0 when the base URL would answer 200, 1 otherwise')
    .option('--json', 'print as JSON')
    .option('--categories <list>', 'judge the base URL for these categories only, e.g. search,default');
  status.action((opts: { json?: boolean; categories?: string }) => withConfig(status, async (file) => (await import('./statusCommand.ts')).statusCommand(file, opts, io))());
  return program;
}

/** User mistakes print their message and exit 2; only DeadPool's own faults print more. */
async function guard(action: () => Promise<number>, io: CommandIO): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.problems.join('\n') + '\n');
      return EXIT.CONFIG;
    }
    if (error instanceof NoFlagFolderError) {
      io.err(`deadpool: ${error.message}\n`);
      return EXIT.INTERNAL;
    }
    if (error instanceof UsageError || error instanceof InheritedSocketsError) {
      io.err(`deadpool: ${error.message}\n`);
      return EXIT.CONFIG;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      const where = (error as NodeJS.ErrnoException).path;
      io.err(`deadpool: cannot write ${where ?? 'the flag folder'} (${code}): run this as the user DeadPool runs as, or as root\n`);
      return EXIT.INTERNAL;
    }
    io.err(`deadpool: ${error instanceof Error ? error.message : String(error)}\n`);
    if (io.env['DEADPOOL_DEBUG']) io.err(`${(error as Error).stack ?? ''}\n`);
    return EXIT.INTERNAL;
  }
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.CONFIG;
    throw error;
  }
  return code;
}
