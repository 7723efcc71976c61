import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from './ConfigError.ts';
import { readConfig } from './readConfig.ts';
import type { ConfigReply, ConfigRequest } from './readConfigInWorker.ts';

/** The worker thread of readConfigInWorker: reads and checks one config, answers once, ends. */
async function answer({ file, cwd }: ConfigRequest): Promise<ConfigReply> {
  try {
    return { ok: true, file: await readConfig(file, { cwd }) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, problems: error.problems };
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.postMessage(await answer(workerData as ConfigRequest));
