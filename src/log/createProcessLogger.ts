import type { LogConfig } from '../config/schema.ts';
import type { Logger } from './Logger.ts';
import { createLogger, type Sink } from './createLogger.ts';
import { gelfSink, type GelfSink, type GelfSinkOptions } from './gelfSink.ts';
import { stdoutSink } from './stdoutSink.ts';

export type Component = 'watcher' | 'web' | 'supervisor' | 'check';

export interface ProcessLoggerOptions {
  /** Where stdout lines go; tests capture them. */
  write?: (line: string) => void;
  /** Tuning for the GELF sink (bounds, timeouts); server/port/protocol come from the config. */
  gelf?: Omit<GelfSinkOptions, 'server' | 'port' | 'protocol' | 'onError' | 'fields'>;
  /**
   * The DC's name (`WEB.name`), sent as `_dc` with every GELF record: one Graylog gathers every
   * DC's DeadPool, and the GELF `host` names a machine, not the DC. Left off stdout lines, which
   * are read on the machine itself.
   */
  dc?: string;
}

export interface ProcessLogger {
  logger: Logger;
  /** Present when `log.type` is `gelf`: for its stats. */
  gelf?: GelfSink;
  /** Waits (bounded) for GELF messages in flight; call once before exit. stdout needs no flush: on Linux
   * it is synchronous for files and pipes. */
  close(waitMs?: number): Promise<void>;
}

/** The process-wide logger: stdout always, Graylog too when `log.type` is `gelf`, same level for both. */
export function createProcessLogger(config: LogConfig, component: Component, options: ProcessLoggerOptions = {}): ProcessLogger {
  const stdout = stdoutSink(options.write);
  const sinks: Sink[] = [stdout];
  let gelf: GelfSink | undefined;
  if (config.type === 'gelf') {
    gelf = gelfSink({
      facility: 'deadpool',
      ...options.gelf,
      ...(options.dc === undefined ? {} : { fields: { dc: options.dc } }),
      server: config.server,
      port: config.port,
      protocol: config.protocol,
      // Losses are reported on stdout only: through the logger they would feed the sink that is failing.
      onError: (error) => stdout({ time: new Date(), level: 'warning', message: error.message, fields: { component, sink: 'gelf' } }),
    });
    sinks.push(gelf);
  }
  const logger = createLogger({ level: config.level, sinks, fields: { component } });
  return { logger, gelf, close: async (waitMs) => gelf?.close(waitMs) };
}
