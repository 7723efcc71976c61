import net from 'node:net';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import type { CheckResult, ProbeModule } from '../../src/probe-api/types.ts';

/** Validates and runs one check as the watcher does: its signal fires at the module's deadline. */
export async function runCheck(
  module: ProbeModule,
  query: Record<string, unknown>,
  criteria: Record<string, { type: string; query?: unknown }> = {},
): Promise<{ result: CheckResult; ms: number; records: LogRecord[] }> {
  const valid = module.validate({ query, success_criteria: criteria });
  if (!valid.ok) throw new Error(`refused: ${JSON.stringify(valid.issues)}`);
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', sinks: [(record) => void records.push(record)], fields: { probe: 'test', module: module.name } });
  const timeoutMs = valid.timeout * 1000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('deadline')), timeoutMs);
  const started = performance.now();
  try {
    const result = await module.check({ probe: 'test', options: valid.options, signal: controller.signal, timeoutMs, log });
    return { result, ms: performance.now() - started, records };
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP listener that accepts and never says a word; it counts the connections still open on it. */
export async function silentListener(): Promise<{ port: number; open(): number; accepted(): number; close(): void }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and drop what the client sends, so its end is seen (a paused socket never reports it).
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    accepted: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
