import { LEVELS, type Level, type LogFields, type LogRecord, type Logger } from './Logger.ts';

export type Sink = (record: LogRecord) => void;

export interface LoggerOptions {
  /** Records less severe than this are dropped before any sink sees them. */
  level: Level;
  sinks: Sink[];
  fields?: LogFields;
  now?: () => Date;
}

export function createLogger({ level, sinks, fields = {}, now = () => new Date() }: LoggerOptions): Logger {
  const threshold = LEVELS[level];
  const emit = (lvl: Level, message: string, extra?: LogFields): void => {
    if (LEVELS[lvl] > threshold) return;
    const record: LogRecord = { time: now(), level: lvl, message, fields: extra ? { ...fields, ...extra } : fields };
    for (const sink of sinks) {
      try {
        sink(record);
      } catch {
        // A broken sink (closed stdout, bad GELF host) must never take the process down with it.
      }
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warning: (m, f) => emit('warning', m, f),
    error: (m, f) => emit('error', m, f),
    critical: (m, f) => emit('critical', m, f),
    fatal: (m, f) => emit('fatal', m, f),
    enabled: (lvl) => LEVELS[lvl] <= threshold,
    child: (more) => createLogger({ level, sinks, fields: { ...fields, ...more }, now }),
  };
}

/** A logger that drops everything: for one-shot commands' quiet paths and tests that do not read logs. */
export const silentLogger: Logger = createLogger({ level: 'fatal', sinks: [] });
