import { formatMark, isoSeconds, MAX_ACK_MS, DEFAULT_ACK_MS } from '../marks/markFormat.ts';
import { markFile } from '../marks/markFiles.ts';
import { removeMark, writeMark } from '../marks/writeMark.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { known, markContext, reasonOf } from './markTarget.ts';
import { parseDuration } from './parseDuration.ts';
import { UsageError } from './UsageError.ts';

export interface AckOptions {
  all?: boolean;
  reason?: string;
  for?: string;
  user?: string;
}

/** The probe named, or undefined for `--all` (the DC-level ack); exactly one of the two. */
function targetOf(probe: string | undefined, all: boolean | undefined, command: string): string | undefined {
  if (probe !== undefined && all) throw new UsageError(`${command}: name a probe or give --all, not both`);
  if (probe === undefined && !all) throw new UsageError(`${command}: name a probe, or give --all for the whole DC`);
  return probe;
}

/**
 * `deadpool ack <probe>|--all --reason … [--for 2h]`: an operator accepts a known failure. The
 * probe's failure stops counting (it stays shown) until the ack ends: after `--for` (default
 * 24 h, at most 30 days) or `deadpool unack`. `--all` acks the DC: only /__health says ok.
 */
export async function ackCommand(configFile: string, probe: string | undefined, options: AckOptions, io: CommandIO): Promise<ExitCode> {
  const target = targetOf(probe, options.all, 'ack');
  const reason = reasonOf(options.reason);
  const lasts = options.for === undefined ? DEFAULT_ACK_MS : parseDuration(options.for);
  if (lasts === undefined) throw new UsageError(`--for "${options.for}": expected a duration like 90s, 30m, 2h or 1d`);
  if (lasts > MAX_ACK_MS) throw new UsageError(`--for "${options.for}": an ack lasts at most 30 days`);
  const { folder, model } = await markContext(configFile);
  if (target !== undefined) known('probe', target, model.probes.keys());
  const at = io.now();
  const file = markFile(folder, 'ack', target);
  await writeMark(folder, file, formatMark({ reason, by: options.user ?? io.user(), at, until: at + lasts }));
  io.out(`${target === undefined ? 'the DC is acked (only /__health says ok)' : `${target} is acked`} until ${isoSeconds(at + lasts)}: ${reason} (${file})\n`);
  return EXIT.OK;
}

/** `deadpool unack <probe>|--all`: the ack ends now. Nothing to remove is not an error. */
export async function unackCommand(configFile: string, probe: string | undefined, options: Pick<AckOptions, 'all'>, io: CommandIO): Promise<ExitCode> {
  const target = targetOf(probe, options.all, 'unack');
  const { folder } = await markContext(configFile);
  const removed = await removeMark(markFile(folder, 'ack', target));
  const what = target ?? 'the DC';
  io.out(removed ? `${what}: ack removed\n` : `${what} was not acked\n`);
  return EXIT.OK;
}
