/** Levels of the seed plus `warning`, most verbose first. Numbers are syslog severities (GELF's `level`). */
export const LEVELS = { debug: 7, info: 6, warning: 4, error: 3, critical: 2, fatal: 0 } as const;
export type Level = keyof typeof LEVELS;

export type FieldValue = string | number | boolean | undefined;
/** Structured fields; the well-known ones are what Graylog users filter on. */
export interface LogFields {
  component?: string;
  probe?: string;
  module?: string;
  state?: string;
  reason?: string;
  duration_ms?: number;
  [key: string]: FieldValue;
}

export interface LogRecord {
  time: Date;
  level: Level;
  message: string;
  fields: LogFields;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warning(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  critical(message: string, fields?: LogFields): void;
  fatal(message: string, fields?: LogFields): void;
  /** Whether a record at `level` would be kept: lets a hot path skip building fields nobody reads. */
  enabled(level: Level): boolean;
  /** A logger that adds `fields` to every record (e.g. `{ probe: 'elastic' }`). */
  child(fields: LogFields): Logger;
}
