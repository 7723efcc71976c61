import { ConfigError } from '../config/ConfigError.ts';
import { loadConfig, type LoadedConfig } from '../config/loadConfig.ts';
import { folderWritable } from '../flag-store/folderWritable.ts';
import { readToken } from '../web/readToken.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';

/**
 * `deadpool validate`: config and every module it names, the token file the responder will read,
 * and whether the flag folder can be written (by the user running validate: run it as the
 * watcher's user to know for sure). A one-line summary, or every error.
 */
export async function validateCommand(configFile: string, io: CommandIO): Promise<ExitCode> {
  const problems: string[] = [];
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(configFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (loaded) {
    try {
      await readToken(loaded.config.WEB, io.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((line) => `${loaded.label}: ${line}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const { label, config, warnings } = loaded as LoadedConfig;
  for (const line of warnings) io.err(`warning: ${line}\n`);
  const unwritable = await folderWritable(config.WatchMan.probe_status_folder);
  if (unwritable) {
    io.err(`deadpool: ${unwritable}\n`);
    return EXIT.INTERNAL;
  }
  const all = Object.values(config.probes);
  const enabled = all.filter((p) => p.isEnabled).length;
  io.out(`${label}: ${all.length} probe${all.length === 1 ? '' : 's'}, ${enabled} enabled${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}\n`);
  return EXIT.OK;
}
