import test from 'ava';
import { createHook } from 'node:async_hooks';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_PROBES } from '../../src/config/loadConfig.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { ModuleLoader } from '../../src/probe-api/ModuleLoader.ts';
import type { ProbeModule } from '../../src/probe-api/types.ts';
import { probeKit } from '../../src/probe-kit/probeKit.ts';
import { closedPort } from '../helpers/httpServers.ts';
import type { ContractCase } from './contract/ContractCase.ts';

/**
 * Every bundled probe module keeps the same promises, whatever it probes: misspelled options are
 * refused with a suggestion, validation does no I/O, a silent server fails the check at its
 * deadline with `timeout after N s`, a closed port is named with host and port, and secrets never
 * show. A new module in probes/ must bring a case in test/probes/contract/<module>.ts.
 * Serial: the no-I/O check watches every async resource the process starts.
 */
const CASES = fileURLToPath(new URL('./contract/', import.meta.url));
const modules = readdirSync(BUNDLED_PROBES).filter((f) => /\.(ts|js|mjs)$/.test(f)).map((f) => f.replace(/\.\w+$/, ''));

test.serial('every bundled module has a contract case', (t) => {
  const cases = readdirSync(CASES).filter((f) => f !== 'ContractCase.ts').map((f) => f.replace(/\.ts$/, ''));
  t.deepEqual(cases.sort(), [...modules].sort());
});

/** Which async resources (sockets, DNS look-ups, file reads, processes) `fn` starts, synchronously or in the ticks after it. */
async function resourcesStartedBy(fn: () => unknown): Promise<string[]> {
  const started: string[] = [];
  const hook = createHook({ init: (_id, type) => void started.push(type) });
  hook.enable();
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  return started.filter((type) => !['PROMISE', 'Immediate', 'TickObject', 'Timeout', 'Microtask'].includes(type));
}

/** A TCP listener that accepts and never says a word. */
async function silentListener(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

for (const name of modules) {
  const load = async (): Promise<{ module: ProbeModule; contract: ContractCase }> => {
    const loader = new ModuleLoader([BUNDLED_PROBES], probeKit);
    const module = await loader.load((await loader.find(name))!);
    const contract = ((await import(path.join(CASES, `${name}.ts`))) as { default: ContractCase }).default;
    return { module, contract };
  };

  const run = async (module: ProbeModule, query: Record<string, unknown>, criteria: ContractCase['criteria'], timeoutSeconds: number) => {
    const valid = module.validate({ query, success_criteria: criteria ?? {} });
    if (!valid.ok) throw new Error(`the contract's query is refused: ${JSON.stringify(valid.issues)}`);
    const records: LogRecord[] = [];
    const log = createLogger({ level: 'debug', sinks: [(record) => void records.push(record)], fields: { probe: 'contract', module: name } });
    const timeoutMs = valid.timeout * 1000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('deadline')), timeoutMs);
    const started = performance.now();
    // The watcher's race, without the watcher: the module itself must end by its deadline (plus slack).
    const result = await Promise.race([
      module.check({ probe: 'contract', options: valid.options, signal: controller.signal, timeoutMs, log }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name} did not settle within its deadline + 2 s`)), timeoutMs + 2000)),
    ]).finally(() => clearTimeout(timer));
    t_assertTimeout(timeoutSeconds, valid.timeout);
    return { result, records, elapsedMs: performance.now() - started };
  };

  test.serial(`${name}: a misspelled option is refused with a suggestion, and validation does no I/O`, async (t) => {
    const { module, contract } = await load();
    const query = contract.query('127.0.0.1', 1, 2);
    const wrong = contract.misspell.slice(0, -1);
    const misspelled = { ...query, [wrong]: query[contract.misspell] ?? 1 };
    delete misspelled[contract.misspell];
    let result: ReturnType<ProbeModule['validate']> | undefined;
    const io = await resourcesStartedBy(() => (result = module.validate({ query: misspelled, success_criteria: contract.criteria ?? {} })));
    t.false(result?.ok);
    const issues = result && !result.ok ? result.issues : [];
    t.true(
      issues.some((i) => i.path.join('.') === `query.${wrong}` && i.message.startsWith(`unknown key (did you mean "${contract.misspell}"?)`)),
      JSON.stringify(issues),
    );
    t.deepEqual(io, [], 'validate() started no I/O');
    for (const secret of contract.secrets) t.notRegex(JSON.stringify(issues), new RegExp(secret), 'no secret in a config error');
  });

  test.serial(`${name}: against a server that accepts and never answers, the check fails at its deadline, saying so; no secret shows`, async (t) => {
    const { module, contract } = await load();
    const silent = await (contract.silentServer ?? silentListener)();
    t.teardown(() => silent.close());
    const query = contract.hangs ? contract.hangs(1) : contract.query('127.0.0.1', silent.port, 1);
    const { result, records, elapsedMs } = await run(module, query, contract.criteria, 1);
    t.deepEqual(result, { ok: false, reason: 'timeout after 1 s' });
    t.true(elapsedMs >= 900, `ended after ${Math.round(elapsedMs)} ms, before its deadline`);
    for (const secret of contract.secrets) t.notRegex(JSON.stringify(records), new RegExp(secret), 'no secret in a log record');
  });

  test.serial(`${name}: against a closed port, the reason names host and port; no secret shows`, async (t) => {
    const { module, contract } = await load();
    if (contract.hangs) {
      // A module without connections has no port to name: its case says so, and the check still fails cleanly.
      const { result } = await run(module, contract.hangs(0.2), contract.criteria, 0.2);
      t.false(result.ok);
      return;
    }
    const port = await closedPort();
    const { result, records } = await run(module, contract.query('127.0.0.1', port, 2), contract.criteria, 2);
    t.false(result.ok);
    t.regex(result.reason, new RegExp(`127\\.0\\.0\\.1:${port}`));
    for (const secret of contract.secrets) {
      t.notRegex(result.reason, new RegExp(secret));
      t.notRegex(JSON.stringify(records), new RegExp(secret), 'no secret in a log record');
    }
  });
}

/** The module's deadline is the one the contract asked for. */
function t_assertTimeout(asked: number, got: number): void {
  if (asked !== got) throw new Error(`asked for a ${asked} s deadline, validate() returned ${got}`);
}
