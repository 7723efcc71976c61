import { formatMark, isoSeconds } from '../marks/markFormat.ts';
import { markFile } from '../marks/markFiles.ts';
import { removeMark, writeMark } from '../marks/writeMark.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { markContext, reasonOf } from './markTarget.ts';
import { parseDuration } from './parseDuration.ts';
import { UsageError } from './UsageError.ts';

export interface MaintOptions {
  reason?: string;
  for?: string;
  user?: string;
}

/**
 * `deadpool maint --reason … [--for 2h]`: the DC is in maintenance (haproxy_agent's maint file):
 * every Cloudflare answer is 503 with the reason, and the HAProxy agent answers `maint`; until
 * `--for` ends or `deadpool unmaint`.
 */
export async function maintCommand(configFile: string, options: MaintOptions, io: CommandIO): Promise<ExitCode> {
  const reason = reasonOf(options.reason);
  const lasts = options.for === undefined ? undefined : parseDuration(options.for);
  if (options.for !== undefined && lasts === undefined) throw new UsageError(`--for "${options.for}": expected a duration like 90s, 30m, 2h or 1d`);
  const { folder } = await markContext(configFile);
  const at = io.now();
  const until = lasts === undefined ? undefined : at + lasts;
  const file = markFile(folder, 'maint', undefined);
  await writeMark(folder, file, formatMark({ reason, by: options.user ?? io.user(), at, until }));
  io.out(`the DC is in maintenance ${until === undefined ? 'until unmaint' : `until ${isoSeconds(until)}`}: ${reason} (${file})\n`);
  return EXIT.OK;
}

/** `deadpool unmaint`: the maintenance ends now. Nothing to remove is not an error. */
export async function unmaintCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  const { folder } = await markContext(configFile);
  const removed = await removeMark(markFile(folder, 'maint', undefined));
  io.out(removed ? 'the DC: maintenance ended\n' : 'the DC was not in maintenance\n');
  return EXIT.OK;
}
