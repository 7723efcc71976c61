/**
 * Prometheus' text format (0.0.4), the few parts DeadPool writes by hand: the responder renders
 * its own metrics without prom-client (loading it costs a process about 11 MB of RSS, and the
 * responder has 80 MB in all), and joins them with the watcher's, which prom-client wrote.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the format wants it: backslash, double quote and newline escaped. */
export const labelValue = (value: string): string => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** `{a="x",b="y"}`, or nothing without labels. */
export function labels(pairs: Readonly<Record<string, string>>): string {
  const parts = Object.entries(pairs).map(([name, value]) => `${name}="${labelValue(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A number as Prometheus reads it (`+Inf`, `NaN`). */
export function value(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** The HELP and TYPE lines of a family. */
export const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string =>
  `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;

interface Block {
  /** The HELP and TYPE lines. */
  head: string;
  /** The samples, one per line, without a last newline; may be empty. */
  samples: string[];
}

/**
 * Several expositions as one: a family that two of them have (the default process metrics of
 * the responder and of the watcher, told apart by their `process` label) gets its HELP and TYPE
 * once and the samples of both, as the format requires (promtool refuses a second TYPE line).
 * Families keep the order they first appear in. Both writers (prom-client and `family` here)
 * start every family with its HELP line then its TYPE line, so a text is cut into families at
 * each HELP, not into lines: 10,000 probes are a few dozen pieces, not 50,000.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Block>();
  for (const text of texts) {
    for (const chunk of text.split(/\n+(?=# HELP )/)) {
      if (!chunk.startsWith('# HELP ')) continue;
      const name = chunk.slice(7, chunk.indexOf(' ', 7));
      const afterHelp = chunk.indexOf('\n');
      const afterType = afterHelp < 0 ? -1 : chunk.indexOf('\n', afterHelp + 1);
      const head = afterType < 0 ? chunk.trimEnd() : chunk.slice(0, afterType);
      const samples = afterType < 0 ? '' : chunk.slice(afterType + 1).trimEnd();
      const known = families.get(name);
      if (known === undefined) families.set(name, { head, samples: samples === '' ? [] : [samples] });
      else if (samples !== '') known.samples.push(samples);
    }
  }
  const out: string[] = [];
  for (const { head, samples } of families.values()) out.push(head, ...samples);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
