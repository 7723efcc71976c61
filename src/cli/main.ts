import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../config/ConfigError.ts';
import { checkCommand } from './checkCommand.ts';
import { processIO, type CommandIO } from './CommandIO.ts';
import { EXIT } from './exitCodes.ts';
import { runCommand } from './runCommand.ts';
import { validateCommand } from './validateCommand.ts';
import { VERSION } from './version.ts';
import { watcherCommand } from './watcherCommand.ts';
import { webCommand } from './webCommand.ts';

type Action = (configFile: string, io: CommandIO) => Promise<number>;

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

  program.command('watcher').description('probe on schedule and keep one <name>.dead flag per failing probe').action(run(watcherCommand));
  program
    .command('check')
    .description('run every enabled probe once; exit 0 if all pass, 1 if any fails')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      await run((file, io2) => checkCommand(file, opts.json === true, io2))(opts, command);
    });
  program.command('web').description('answer the Cloudflare monitor: 200 OK, or 503 and the dead probes').action(run(webCommand));
  program.command('run').description('start the watcher and the web responder as two supervised processes (npm start)').action(run(runCommand));
  program.command('validate').description('load the config and every probe module it names; print a summary').action(run(validateCommand));
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
