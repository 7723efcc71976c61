import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from './ConfigError.ts';
import type { ConfigFile } from './readConfig.ts';

export interface ConfigRequest {
  file: string;
  cwd: string;
}

export type ConfigReply = { ok: true; file: ConfigFile } | { ok: false; problems: string[] } | { ok: false; error: string };

/** configWorker.ts beside this file under tsx (tests), configWorker.js once built. */
const WORKER = new URL(`./configWorker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Under tsx (tests run the commands in their own process) the worker must load tsx itself: a
 * worker thread does not inherit the hooks `--import tsx` registered in Node 20. Built, it is
 * plain JavaScript and starts from the file.
 */
const startWorker = (workerData: ConfigRequest): Worker =>
  WORKER.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`, { eval: true, workerData })
    : new Worker(WORKER, { workerData });

/**
 * `readConfig` run in a worker thread that ends once it answered: what the responder uses. The
 * config's checks need zod, its schemas and js-yaml, which cost a process 4-5 MB of heap and RSS
 * for as long as it lives (measured: 66.1-66.8 MB against 62.4 MB, docs/architecture.md "The
 * responder's memory"), and the responder reads a config only at start and on a reload. A worker
 * thread's heap is freed whole when it ends. Throws ConfigError with the same problems as
 * readConfig; about 0.1 s slower than reading in the process.
 */
export function readConfigInWorker(configFile: string, cwd = process.cwd()): Promise<ConfigFile> {
  const request: ConfigRequest = { file: configFile, cwd };
  return new Promise((resolve, reject) => {
    let answered = false;
    const worker = startWorker(request);
    worker.once('message', (reply: ConfigReply) => {
      answered = true;
      if (reply.ok) resolve(reply.file);
      else reject('problems' in reply ? new ConfigError(reply.problems) : new Error(reply.error));
    });
    worker.once('error', (error) => {
      answered = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the config reader thread ended (exit code ${code}) without an answer`));
    });
  });
}
