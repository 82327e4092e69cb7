// Plain-text and Markdown tables for benchmark output.

/** Columns padded to line up; numbers (cells starting with a digit, '-' or '≥') right-aligned. */
export function textTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const numeric = headers.map((_, i) => i > 0 && rows.every((r) => /^[\d.\-–≥x×]|^$/.test(String(r[i] ?? ''))));
  const line = (cells) =>
    cells
      .map((c, i) => (numeric[i] ? String(c ?? '').padStart(widths[i]) : String(c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same rows as a GitHub Markdown table (for the README). */
export function markdownTable(headers, rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** 1.2k, 35k, 850, 12.5. */
export function qpsText(q) {
  if (!Number.isFinite(q)) return '-';
  if (q >= 1e4) return `${(q / 1e3).toFixed(0)}k`;
  if (q >= 1e3) return `${(q / 1e3).toFixed(1)}k`;
  return q >= 100 ? q.toFixed(0) : q.toFixed(1);
}
