import { escapeXml } from './escape-xml.js';

/** One line of the plot: an index's sweep, points in sweep order. */
export interface PlotSeries {
  name: string;
  points: { recall: number; qps: number; label: string }[];
}

export interface PlotOptions {
  title: string;
  /** Exact search's QPS, drawn as a dashed horizontal reference line. */
  baselineQps?: number;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

const fmt = (n: number, step: number): string => n.toFixed(step < 0.1 ? 2 : 1);

/**
 * A recall-vs-QPS plot as a self-contained SVG document: recall on the x axis, queries per second
 * on a log-scale y axis, one polyline with markers per series (each in `<g class="series">`),
 * a legend, axis labels, and a `<title>` on every point for hover text. No scripts, no fonts
 * beyond the generic `sans-serif`, so it renders the same in a browser, an HTML report or a README.
 */
export function renderPlotSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const W = options.width ?? 760;
  const H = options.height ?? 480;
  const m = { left: 72, right: 190, top: 40, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.qps) && p.qps > 0);
  const qpsValues = all.map((p) => p.qps);
  if (options.baselineQps !== undefined && options.baselineQps > 0) qpsValues.push(options.baselineQps);
  const minRecall = Math.min(1, ...all.map((p) => p.recall));
  const x0 = Math.max(0, Math.floor(minRecall * 10 - 1e-9) / 10);
  const x1 = 1;
  const lo = Math.floor(Math.log10(Math.min(...(qpsValues.length > 0 ? qpsValues : [1]))));
  let hi = Math.ceil(Math.log10(Math.max(...(qpsValues.length > 0 ? qpsValues : [10]))));
  if (hi <= lo) hi = lo + 1;
  const sx = (r: number): number => m.left + ((r - x0) / (x1 - x0 || 1)) * pw;
  const sy = (q: number): number => m.top + ph - ((Math.log10(q) - lo) / (hi - lo)) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  // Grid and ticks: x every 0.1 (0.05 on a narrow range), y at each power of ten, plus 2x and 5x.
  out.push('<g class="axes" stroke="#dddddd">');
  const step = x1 - x0 <= 0.3 ? 0.05 : 0.1;
  const xTicks: number[] = [];
  for (let t = x0; t <= x1 + 1e-9; t += step) xTicks.push(Math.round(t * 100) / 100);
  for (const t of xTicks) out.push(`<line x1="${sx(t).toFixed(1)}" y1="${m.top}" x2="${sx(t).toFixed(1)}" y2="${m.top + ph}"/>`);
  const yTicks: { v: number; major: boolean }[] = [];
  for (let e = lo; e <= hi; e++) {
    yTicks.push({ v: 10 ** e, major: true });
    if (e < hi) for (const f of [2, 5]) yTicks.push({ v: f * 10 ** e, major: false });
  }
  for (const t of yTicks) {
    const y = sy(t.v).toFixed(1);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}"${t.major ? '' : ' stroke-dasharray="2,3"'}/>`);
  }
  out.push('</g>');
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  out.push('<g class="tick-labels" fill="#333333">');
  for (const t of xTicks)
    out.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(t, step)}</text>`);
  for (const t of yTicks) {
    out.push(`<text x="${m.left - 6}" y="${(sy(t.v) + 4).toFixed(1)}" text-anchor="end">${formatQps(t.v)}</text>`);
  }
  out.push('</g>');
  out.push(
    `<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">recall@k (vs exact search)</text>`,
    `<text x="18" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 ${m.top + ph / 2})">queries per second (log scale)</text>`,
  );
  if (options.baselineQps !== undefined && options.baselineQps > 0) {
    const y = sy(options.baselineQps).toFixed(1);
    out.push(
      `<g class="baseline"><line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#555555" stroke-dasharray="6,4"/>`,
      `<text x="${m.left + 4}" y="${(Number(y) - 4).toFixed(1)}" fill="#555555">exact search: ${formatQps(options.baselineQps)} QPS</text></g>`,
    );
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const shape = MARKERS[Math.floor(i / COLORS.length) % MARKERS.length] ?? 'circle';
    const pts = s.points.filter((p) => Number.isFinite(p.qps) && p.qps > 0);
    out.push(`<g class="series" data-index="${escapeXml(s.name)}" stroke="${color}" fill="${color}">`);
    if (pts.length > 1) {
      const path = pts.map((p) => `${sx(p.recall).toFixed(1)},${sy(p.qps).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke-width="2"/>`);
    }
    for (const p of pts) {
      const tip = `${s.name} ${p.label}: recall ${p.recall.toFixed(3)}, ${formatQps(p.qps)} QPS`;
      out.push(
        `${marker(shape, sx(p.recall), sy(p.qps))}<title>${escapeXml(tip)}</title></${shape === 'circle' ? 'circle' : 'path'}>`,
      );
    }
    out.push('</g>');
  });
  // Legend, right of the plot.
  out.push('<g class="legend">');
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const shape = MARKERS[Math.floor(i / COLORS.length) % MARKERS.length] ?? 'circle';
    const y = m.top + 10 + i * 20;
    const x = m.left + pw + 16;
    out.push(
      `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${color}" stroke-width="2"/>`,
      `${marker(shape, x + 12, y, color)}</${shape === 'circle' ? 'circle' : 'path'}>`,
      `<text x="${x + 32}" y="${y + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}

/** An opening marker element (the caller closes it, so it can hold a `<title>`). */
function marker(shape: (typeof MARKERS)[number], x: number, y: number, color?: string): string {
  const fill = color === undefined ? '' : ` fill="${color}" stroke="${color}"`;
  const r = 4;
  const X = x.toFixed(1);
  const Y = y.toFixed(1);
  switch (shape) {
    case 'circle':
      return `<circle cx="${X}" cy="${Y}" r="${r}"${fill}>`;
    case 'square':
      return `<path d="M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}z"${fill}>`;
    case 'triangle':
      return `<path d="M${X},${y - r - 1}L${x + r + 1},${y + r}L${x - r - 1},${y + r}z"${fill}>`;
    case 'diamond':
      return `<path d="M${X},${y - r - 1}L${x + r + 1},${Y}L${X},${y + r + 1}L${x - r - 1},${Y}z"${fill}>`;
  }
}

/** 1.2k, 35k, 1.5M, 850. */
export function formatQps(q: number): string {
  if (q >= 1e6) return `${+(q / 1e6).toPrecision(2)}M`;
  if (q >= 1e3) return `${+(q / 1e3).toPrecision(q >= 1e4 ? 3 : 2)}k`;
  return q >= 10 ? q.toFixed(0) : `${+q.toPrecision(2)}`;
}
