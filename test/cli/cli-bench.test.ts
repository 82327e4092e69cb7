import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, hasTerminalCodes, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

/** The hnswlib plugin by absolute path (the temp project has no node_modules). */
const HNSW = fileURLToPath(new URL('../../packages/index-hnswlib/dist/index.js', import.meta.url));

const DIMS = 16;
const CLUSTERS = 12;
const ITEMS = 1200;

/** mulberry32: a seeded generator, so the data set is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Clustered data like real embeddings: 12 Gaussian clusters of uneven spread in 16-d, so nearest
 * neighbours are neither trivial (uniform noise) nor duplicated.
 */
function clusteredItems(): { id: string; vector: number[]; metadata: { cluster: number } }[] {
  const rand = rng(42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIMS }, () => gauss() * 4));
  const spreads = centres.map(() => 0.5 + rand() * 1.5);
  return Array.from({ length: ITEMS }, (_, i) => {
    const c = i % CLUSTERS;
    const centre = centres[c] as number[];
    const spread = spreads[c] as number;
    return { id: `p${i}`, vector: centre.map((x) => Number((x + gauss() * spread).toFixed(5))), metadata: { cluster: c } };
  });
}

interface Run {
  params: Record<string, number>;
  recall: number;
  qps: number;
  p50Ms: number;
  p95Ms: number;
  speedup: number;
  fallbacks: number;
}
interface IndexBench {
  name: string;
  plugin: string;
  params: Record<string, unknown>;
  buildSeconds: number | null;
  bytesOnDisk: number | null;
  items: number;
  sweep: string | null;
  runs: Run[];
}
interface BenchJson {
  collection: string;
  dimensions: number;
  metric: string;
  items: number;
  k: number;
  queries: { count: number; source: string; seed: number | null; file: string | null };
  exact: Omit<Run, 'params'>;
  indexes: IndexBench[];
  report: { svg: string; html: string } | null;
  date: string;
}

describe('vecdex bench: two hnswlib indexes against exact search', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let result: BenchJson;
  let stderr: string;

  beforeAll(async () => {
    assertBuilt();
    if (!existsSync(HNSW)) throw new Error(`build @vecdex/index-hnswlib first (pnpm build); missing: ${HNSW}`);
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init', '--plugin', HNSW]);
    await vecdexOk(dir, ['collections', 'create', 'pts', '--dimensions', String(DIMS), '--metric', 'l2']);
    await writeFile(path.join(dir, 'pts.jsonl'), jsonl(clusteredItems()));
    await vecdexOk(dir, ['import', 'pts', 'pts.jsonl']);
    // A well-connected graph and a deliberately sparse one: their curves must differ.
    await vecdexOk(dir, ['index', 'create', 'hnsw-m16', '--plugin', 'hnswlib', '--collections', 'pts', '--param', 'M=16']);
    await vecdexOk(dir, [
      'index',
      'create',
      'hnsw-m2',
      '--plugin',
      'hnswlib',
      '--collections',
      'pts',
      '--param',
      'M=2',
      '--param',
      'efConstruction=8',
    ]);
    // hnsw-m16 is built now; hnsw-m2 never is: bench must sync/build both before measuring.
    await vecdexOk(dir, ['index', 'build', 'hnsw-m16']);
    const r = await vecdexOk(dir, ['bench', 'pts', '--queries', '150', '--seed', '7', '--json', '--out', 'report']);
    result = JSON.parse(r.stdout) as BenchJson;
    stderr = r.stderr;
  }, 120_000);
  afterAll(() => cleanup());

  it('prints one JSON document describing the run, and nothing on stderr', () => {
    expect(stderr).toBe('');
    expect(result).toMatchObject({ collection: 'pts', dimensions: DIMS, metric: 'l2', items: ITEMS, k: 10 });
    expect(result.queries).toEqual({ count: 150, source: 'sample', seed: 7, file: null });
    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(result.indexes.map((i) => i.name).sort()).toEqual(['hnsw-m16', 'hnsw-m2']);
  });

  it('exact search is the ground truth (recall 1) and the speed baseline', () => {
    expect(result.exact.recall).toBe(1);
    expect(result.exact.speedup).toBe(1);
    expect(result.exact.qps).toBeGreaterThan(0);
    expect(result.exact.p50Ms).toBeGreaterThan(0);
    expect(result.exact.p95Ms).toBeGreaterThanOrEqual(result.exact.p50Ms);
  });

  it('sweeps efSearch for each hnswlib index, with sane recall, timings, build time and size', () => {
    for (const ix of result.indexes) {
      expect(ix.plugin).toBe('hnswlib');
      expect(ix.items).toBe(ITEMS);
      expect(ix.sweep).toBe('efSearch');
      expect(ix.runs.map((r) => r.params)).toEqual([10, 20, 40, 80, 160, 320].map((efSearch) => ({ efSearch })));
      expect(ix.buildSeconds).toBeGreaterThan(0);
      expect(ix.bytesOnDisk).toBeGreaterThan(0);
      for (const r of ix.runs) {
        expect(r.recall).toBeGreaterThanOrEqual(0);
        expect(r.recall).toBeLessThanOrEqual(1);
        expect(r.qps).toBeGreaterThan(0);
        expect(r.p95Ms).toBeGreaterThanOrEqual(r.p50Ms);
        expect(r.speedup).toBeCloseTo(r.qps / result.exact.qps, 6);
      }
      // A wider search never finds fewer true neighbours on the same graph and queries.
      const recalls = ix.runs.map((r) => r.recall);
      expect(recalls.at(-1)).toBeGreaterThanOrEqual(recalls[0] as number);
    }
    const m16 = result.indexes.find((i) => i.name === 'hnsw-m16') as IndexBench;
    const m2 = result.indexes.find((i) => i.name === 'hnsw-m2') as IndexBench;
    expect(m16.params).toMatchObject({ M: 16 });
    expect(m2.params).toMatchObject({ M: 2, efConstruction: 8 });
    expect(Math.max(...m16.runs.map((r) => r.recall))).toBeGreaterThanOrEqual(0.98);
    expect(Math.max(...m2.runs.map((r) => r.recall))).toBeGreaterThanOrEqual(0.4);
    // At the narrowest search the sparse graph misses neighbours the dense one finds.
    expect((m2.runs[0] as Run).recall).toBeLessThan((m16.runs[0] as Run).recall);
  });

  it('writes a well-formed SVG with one series per index, and an HTML report embedding it', async () => {
    expect(result.report).toEqual({ svg: path.join(dir, 'report', 'bench.svg'), html: path.join(dir, 'report', 'report.html') });
    const svg = await readFile(path.join(dir, 'report', 'bench.svg'), 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      isArray: (name) => name === 'g' || name === 'circle',
    }).parse(svg) as {
      svg: {
        '@xmlns': string;
        g: { '@class': string; '@data-index'?: string; circle?: unknown[]; polyline?: { '@points': string } }[];
      };
    };
    expect(doc.svg['@xmlns']).toBe('http://www.w3.org/2000/svg');
    const series = doc.svg.g.filter((g) => g['@class'] === 'series');
    expect(series.map((g) => g['@data-index']).sort()).toEqual(['hnsw-m16', 'hnsw-m2']);
    for (const g of series) {
      expect(g.circle).toHaveLength(6); // one marker per sweep point
      expect((g.polyline?.['@points'] ?? '').trim().split(/\s+/)).toHaveLength(6);
    }
    expect(svg).toContain('recall@k');
    expect(svg).toContain('log scale');

    const html = await readFile(path.join(dir, 'report', 'report.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(svg.trim());
    expect(html).toContain('<td class="left">hnsw-m16</td>');
    expect(html).toContain('<td class="left">hnsw-m2</td>');
    const saved = JSON.parse(await readFile(path.join(dir, 'report', 'results.json'), 'utf8')) as BenchJson;
    expect(saved.indexes.map((i) => i.name)).toEqual(result.indexes.map((i) => i.name));
  });

  it('takes queries from a file, a --sweep override, --index and --no-build; prints a table in a pipe', async () => {
    const queries = clusteredItems()
      .slice(0, 40)
      .map((it) => ({ vector: it.vector.map((x) => x + 0.01) }));
    await writeFile(path.join(dir, 'q.jsonl'), jsonl(queries));
    const r = await vecdexOk(dir, [
      'bench',
      'pts',
      '--query-file',
      'q.jsonl',
      '--index',
      'hnsw-m2',
      '--sweep',
      'hnsw-m2:efSearch=5,400',
      '--no-build',
      '--no-report',
      '--json',
    ]);
    const j = JSON.parse(r.stdout) as BenchJson;
    expect(j.queries).toMatchObject({ count: 40, source: 'file', seed: null });
    expect(j.report).toBeNull();
    expect(j.indexes).toHaveLength(1);
    const ix = j.indexes[0] as IndexBench;
    expect(ix.buildSeconds).toBeNull();
    expect(ix.runs.map((x) => x.params)).toEqual([{ efSearch: 5 }, { efSearch: 400 }]);
    expect((ix.runs[1] as Run).recall).toBeGreaterThanOrEqual((ix.runs[0] as Run).recall);

    const text = await vecdexOk(dir, ['bench', 'pts', '--queries', '30', '--sweep', 'efSearch=50', '--no-build', '--out', 'r2']);
    expect(hasTerminalCodes(text.stdout + text.stderr)).toBe(false);
    expect(text.stdout).toMatch(/INDEX\s+PLUGIN\s+PARAMS\s+RECALL@10\s+QPS/);
    expect(text.stdout).toMatch(/^\(exact\)\s+-\s+-\s+1\.000/m);
    expect(text.stdout).toContain('efSearch=50');
    expect(text.stdout).toContain('r2/report.html');
  }, 60_000);

  it('refuses a --sweep for an index it does not cover, and a query file of the wrong dimensions', async () => {
    const bad = await vecdex(dir, ['bench', 'pts', '--sweep', 'nope:efSearch=10', '--no-report']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"nope"');
    expect(bad.stderr).toContain('hnsw-m16');

    await writeFile(path.join(dir, 'short.jsonl'), jsonl([{ vector: [1, 2, 3] }]));
    const short = await vecdex(dir, ['bench', 'pts', '--query-file', 'short.jsonl', '--no-report']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('line 1');
    expect(short.stderr).toContain('16');

    const syntax = await vecdex(dir, ['bench', 'pts', '--sweep', 'efSearch=ten']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain('--sweep');
  }, 60_000);
});
