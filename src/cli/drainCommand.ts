import { formatMark, isoSeconds } from '../marks/markFormat.ts';
import { markFile } from '../marks/markFiles.ts';
import { removeMark, writeMark } from '../marks/writeMark.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { known, markContext, reasonOf } from './markTarget.ts';
import { parseDuration } from './parseDuration.ts';
import { UsageError } from './UsageError.ts';

export interface DrainOptions {
  pool?: string;
  reason?: string;
  for?: string;
  user?: string;
}

/**
 * `deadpool drain [--pool p] --reason … [--for 30m]`: the DC (or one pool) answers 503 whatever
 * the probes say, so Cloudflare moves traffic away before the work starts; until `--for` ends or
 * `deadpool undrain`.
 */
export async function drainCommand(configFile: string, options: DrainOptions, io: CommandIO): Promise<ExitCode> {
  const reason = reasonOf(options.reason);
  const lasts = options.for === undefined ? undefined : parseDuration(options.for);
  if (options.for !== undefined && lasts === undefined) throw new UsageError(`--for "${options.for}": expected a duration like 90s, 30m, 2h or 1d`);
  const { folder, model } = await markContext(configFile);
  if (options.pool !== undefined) known('pool', options.pool, model.pools.keys());
  const at = io.now();
  const until = lasts === undefined ? undefined : at + lasts;
  const file = markFile(folder, 'drain', options.pool);
  await writeMark(folder, file, formatMark({ reason, by: options.user ?? io.user(), at, until }));
  const what = options.pool === undefined ? 'the DC' : `pool ${options.pool}`;
  io.out(`${what} is drained ${until === undefined ? 'until undrained' : `until ${isoSeconds(until)}`}: ${reason} (${file})\n`);
  return EXIT.OK;
}

/** `deadpool undrain [--pool p]`: the drain ends now. Nothing to remove is not an error. */
export async function undrainCommand(configFile: string, options: Pick<DrainOptions, 'pool'>, io: CommandIO): Promise<ExitCode> {
  const { folder, model } = await markContext(configFile);
  if (options.pool !== undefined) known('pool', options.pool, model.pools.keys());
  const removed = await removeMark(markFile(folder, 'drain', options.pool));
  const what = options.pool === undefined ? 'the DC' : `pool ${options.pool}`;
  io.out(removed ? `${what}: drain removed\n` : `${what} was not drained\n`);
  return EXIT.OK;
}
