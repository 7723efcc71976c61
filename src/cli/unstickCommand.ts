import { markFile } from '../marks/markFiles.ts';
import { removeMark } from '../marks/writeMark.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { known, markContext } from './markTarget.ts';

/**
 * `deadpool unstick <category>`: a sticky category that failed counts again on its probes alone.
 * A category still failing is marked again by the watcher at its next look.
 */
export async function unstickCommand(configFile: string, category: string, io: CommandIO): Promise<ExitCode> {
  const { folder, model } = await markContext(configFile);
  known('category', category, model.categories.keys());
  const removed = await removeMark(markFile(folder, 'sticky', category));
  io.out(removed ? `${category}: unstuck (the watcher marks it again if it still fails)\n` : `${category} was not stuck\n`);
  return EXIT.OK;
}
