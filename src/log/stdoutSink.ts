import type { LogRecord } from './Logger.ts';
import type { Sink } from './createLogger.ts';

const quote = (v: string): string => (/^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));

/** One readable line per record: `time LEVEL component probe=… message key=value…`. */
export function formatLine({ time, level, message, fields }: LogRecord): string {
  const { component, ...rest } = fields;
  const pairs = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${quote(String(v))}`);
  return [time.toISOString(), level.toUpperCase().padEnd(8), component ?? '-', message, ...pairs].join(' ');
}

export function stdoutSink(write: (line: string) => void = (line) => process.stdout.write(line)): Sink {
  return (record) => write(formatLine(record) + '\n');
}
