import type { BenchResult } from './bench-result.js';
import { BENCH_ALIGN, benchCaption, benchHeaders, benchRows } from './bench-table.js';
import { escapeXml } from './escape-xml.js';

/**
 * A self-contained HTML report: the plot's SVG inline (no external file, script or stylesheet),
 * the results table, and the raw JSON in a collapsed block for anyone who wants to re-plot.
 */
export function renderHtmlReport(result: Omit<BenchResult, 'report'>, svg: string): string {
  const headers = benchHeaders(result.k);
  const th = headers.map((h, i) => `<th class="${BENCH_ALIGN[i] ?? 'left'}">${escapeXml(h)}</th>`).join('');
  const rows = benchRows(result)
    .map((r) => `<tr>${r.map((c, i) => `<td class="${BENCH_ALIGN[i] ?? 'left'}">${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const title = `vecdex bench: ${result.collection}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
.right { text-align: right; } .left { text-align: left; }
figure { margin: 1em 0; }
</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(benchCaption(result))}. Recall against exact search on the same queries; QPS and latency from one query at a time. ${escapeXml(result.date)}.</p>
<figure>
${svg.trim()}
</figure>
<table>
<thead><tr>${th}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<details><summary>raw results (JSON)</summary><pre>${escapeXml(JSON.stringify(result, null, 2))}</pre></details>
</body>
</html>
`;
}
