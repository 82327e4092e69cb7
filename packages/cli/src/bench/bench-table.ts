import { formatBytes } from '../output/format-table.js';
import type { BenchResult } from './bench-result.js';
import { formatQps } from './plot-svg.js';

/** The table's header row; `k` goes into the recall column's name. */
export function benchHeaders(k: number): string[] {
  return ['INDEX', 'PLUGIN', 'PARAMS', `RECALL@${k}`, 'QPS', 'VS EXACT', 'P50 MS', 'P95 MS', 'BUILD S', 'SIZE', 'BYTES/VEC'];
}

/** Right-align every numeric column. */
export const BENCH_ALIGN = [
  'left',
  'left',
  'left',
  'right',
  'right',
  'right',
  'right',
  'right',
  'right',
  'right',
  'right',
] as const;

const ms = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toFixed(3));

/** One row for exact search, then one per index and sweep point; repeated index cells left blank. */
export function benchRows(r: Omit<BenchResult, 'report'>): string[][] {
  const rows: string[][] = [
    [
      '(exact)',
      '-',
      '-',
      r.exact.recall.toFixed(3),
      formatQps(r.exact.qps),
      '1.0x',
      ms(r.exact.p50Ms),
      ms(r.exact.p95Ms),
      '-',
      '-',
      String(r.dimensions * 4),
    ],
  ];
  for (const ix of r.indexes) {
    ix.runs.forEach((run, i) => {
      const swept =
        Object.entries(run.params)
          .map(([key, v]) => `${key}=${JSON.stringify(v)}`)
          .join(' ') || (ix.config === null ? 'defaults' : '');
      const params = ix.config === null ? swept : `${ix.config}${swept === '' ? '' : ` ${swept}`}`;
      const fallbacks = run.fallbacks > 0 ? ` (${run.fallbacks} exact fallbacks)` : '';
      rows.push([
        i === 0 ? ix.name : '',
        i === 0 ? ix.plugin : '',
        params + fallbacks,
        run.recall.toFixed(3),
        formatQps(run.qps),
        `${run.speedup.toFixed(1)}x`,
        ms(run.p50Ms),
        ms(run.p95Ms),
        i === 0 && ix.buildSeconds !== null ? ix.buildSeconds.toFixed(2) : i === 0 ? '-' : '',
        i === 0 ? (ix.bytesOnDisk === null ? '-' : formatBytes(ix.bytesOnDisk)) : '',
        i === 0 ? (ix.bytesPerVector === null ? '-' : String(Math.round(ix.bytesPerVector * 100) / 100)) : '',
      ]);
    });
  }
  return rows;
}

/** The line above the table: what was measured, on what. */
export function benchCaption(r: Omit<BenchResult, 'report'>): string {
  const q =
    r.queries.source === 'sample'
      ? `${r.queries.count} queries sampled from the collection (seed ${r.queries.seed}), each left out of its own results`
      : `${r.queries.count} queries from ${r.queries.file}`;
  return `collection "${r.collection}": ${r.items.toLocaleString('en-US')} items, ${r.dimensions}-d ${r.metric}; k=${r.k}; ${q}; one query at a time`;
}
