import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckResult, ProbeModule, RawProbeOptions } from '../../src/probe-api/types.ts';

/**
 * One check of a bundled module in a fresh Node process, for what only a process start can set
 * (NODE_EXTRA_CA_CERTS: a test CA trusted as the operator's internal CA would be) and to see what a
 * check leaves behind: the child reports the handles still open once the check settled.
 */
export interface ChildCheck {
  result: CheckResult;
  /** `process.getActiveResourcesInfo()` after the check, minus the child's own stdio. */
  leftOpen: string[];
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '../..');

export async function checkInChild(moduleName: string, raw: RawProbeOptions, env: NodeJS.ProcessEnv = {}): Promise<ChildCheck> {
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', SELF, path.join(ROOT, 'probes', `${moduleName}.ts`), JSON.stringify(raw)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out }),
    ),
  );
  return JSON.parse(stdout) as ChildCheck;
}

async function main(file: string, json: string): Promise<void> {
  const module = ((await import(pathToFileURL(file).href)) as { default: ProbeModule }).default;
  const valid = module.validate(JSON.parse(json) as RawProbeOptions);
  if (!valid.ok) throw new Error(`invalid options: ${JSON.stringify(valid.issues)}`);
  const timeoutMs = valid.timeout * 1000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const { silentLogger } = await import('../../src/log/createLogger.ts');
  const result = await module.check({ probe: 'child', options: valid.options, signal: controller.signal, timeoutMs, log: silentLogger });
  clearTimeout(timer);
  // Closed handles leave the list on the loop's next turns: a bounded wait (1 s) for them to go;
  // whatever stays is left open by the module (a deadline timer the tests set to 5 s or more, a socket).
  const open = (): string[] => process.getActiveResourcesInfo().filter((type) => !['TTYWrap', 'PipeWrap', 'FSReqCallback'].includes(type));
  const until = Date.now() + 1000;
  while (open().length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  const leftOpen = open();
  process.stdout.write(JSON.stringify({ result, leftOpen }));
}

if (process.argv[1] === SELF) await main(process.argv[2] ?? '', process.argv[3] ?? '{}');
