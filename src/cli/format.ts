/** Text formatting for people: aligned tables, money, durations, times. Scripts use --json instead. */

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Costs are small fractions of a dollar: six decimals, as the summaries round them. */
export function usd(amount: number): string {
  return `$${amount.toFixed(6)}`;
}

export function seconds(value: number): string {
  return `${Number(value.toFixed(1))}s`;
}

export function secondsBetween(fromIso: string, toIso: string): string {
  return seconds((Date.parse(toIso) - Date.parse(fromIso)) / 1000);
}

/** An ISO time without milliseconds: 2026-11-24T05:15:02Z. */
export function time(iso: string | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '-';
}

export function optional(value: number | string | undefined): string {
  return value === undefined ? '-' : String(value);
}
