export interface Row {
  measure: string;
  value: string;
  target: string;
  /** undefined for figures without a target. */
  pass: boolean | undefined;
}

/** A plain-text table with aligned columns (also valid as the body of a Markdown table with `markdown`). */
export function formatTable(rows: readonly Row[], markdown = false): string {
  const cells = rows.map((r) => [r.measure, r.value, r.target, r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL']);
  const header = ['measure', 'value', 'target', 'result'];
  if (markdown) {
    return [header, header.map(() => '---'), ...cells].map((c) => `| ${c.join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
