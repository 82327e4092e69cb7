export type Align = 'left' | 'right';

/**
 * Lay rows out in columns separated by two spaces, with a header row. Cells are plain strings;
 * `align` picks per column (numbers read better right-aligned). Trailing spaces are trimmed.
 *
 * ```ts
 * formatTable(['RANK', 'ID'], [['1', 'a']], { align: ['right', 'left'] })
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { align?: readonly Align[] } = {},
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return options.align?.[i] === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Key/value lines for one record, keys padded to line up. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields
    .map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`)
    .join('\n')
    .replace(/[ \t]+$/gm, '');
}

/** Shorten a cell to `max` characters with an ellipsis; newlines become spaces. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** A distance for people: up to 6 significant digits, no exponent for ordinary values. */
export function formatDistance(d: number): string {
  if (d === 0) return '0';
  const abs = Math.abs(d);
  return abs >= 1e-4 && abs < 1e6 ? String(Number(d.toPrecision(6))) : d.toExponential(4);
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A count and its noun: `1 item`, `2,000 items`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** A byte size for people: `512 B`, `1.5 KB`, `12.3 MB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
