import { loadConfig } from '../config/loadConfig.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';

/** `deadpool validate`: config and every module it names; a one-line summary or every error. */
export async function validateCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  const { label, probes } = await loadConfig(configFile);
  const enabled = probes.filter((p) => p.enabled).length;
  io.out(`${label}: ${probes.length} probe${probes.length === 1 ? '' : 's'}, ${enabled} enabled\n`);
  return EXIT.OK;
}
