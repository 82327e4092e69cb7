/**
 * `vecdex bench --compare` and `vecdex advise` (issue 15): compressions measured on temporary
 * usearch indexes (flat kind: the exact path, so what is measured is the representation's loss)
 * against full-precision exact search on the collection's own items; the temporary indexes are
 * gone afterwards. Data: 800 clustered 64-d cosine vectors whose leading dimensions carry most
 * of the variance, so truncation keeps much and binary less.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

const USEARCH = fileURLToPath(new URL('../../packages/index-usearch/dist/index.js', import.meta.url));
const DIMS = 64;

function items(): { id: string; vector: number[] }[] {
  let a = 9;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const w = (d: number) => (d < 16 ? 3 : 0.7);
  const centres = Array.from({ length: 16 }, () => Array.from({ length: DIMS }, (_, d) => gauss() * w(d)));
  return Array.from({ length: 800 }, (_, i) => ({
    id: `p${i}`,
    vector: (centres[i % 16] as number[]).map((x, d) => Number((x + 0.5 * gauss() * w(d)).toFixed(5))),
  }));
}

interface IndexBench {
  name: string;
  config: string | null;
  bytesPerVector: number | null;
  runs: { recall: number; qps: number }[];
}

describe('vecdex bench --compare and vecdex advise', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    if (!existsSync(USEARCH)) throw new Error(`build @vecdex/index-usearch first (pnpm build); missing: ${USEARCH}`);
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init', '--plugin', USEARCH]);
    await vecdexOk(dir, ['collections', 'create', 'pts', '--dimensions', String(DIMS), '--metric', 'cosine']);
    await writeFile(path.join(dir, 'pts.jsonl'), jsonl(items()));
    await vecdexOk(dir, ['import', 'pts', 'pts.jsonl']);
  }, 120_000);
  afterAll(() => cleanup());

  it('bench --compare: one row per configuration with its bytes per vector, rescoring never below no rescoring, nothing left behind', async () => {
    const r = await vecdexOk(dir, [
      'bench',
      'pts',
      '--queries',
      '80',
      '--compare',
      'int8,binary@10,binary!,truncate:16,truncate:16!',
      '--json',
      '--no-report',
    ]);
    const result = JSON.parse(r.stdout) as { exact: { recall: number }; indexes: IndexBench[] };
    expect(result.exact.recall).toBe(1);
    const by = new Map(result.indexes.map((ix) => [ix.config, ix]));
    expect([...by.keys()]).toEqual([
      'int8',
      'binary (rescore ×10)',
      'binary (no rescore)',
      'truncate:16',
      'truncate:16 (no rescore)',
    ]);
    expect(by.get('int8')?.bytesPerVector).toBe(DIMS);
    expect(by.get('binary (rescore ×10)')?.bytesPerVector).toBe(DIMS / 8);
    expect(by.get('truncate:16')?.bytesPerVector).toBe(16 * 4);
    const recall = (c: string) => by.get(c)?.runs[0]?.recall ?? Number.NaN;
    expect(recall('int8')).toBeGreaterThanOrEqual(0.98);
    expect(recall('binary (rescore ×10)')).toBeGreaterThanOrEqual(recall('binary (no rescore)'));
    expect(recall('truncate:16')).toBeGreaterThanOrEqual(recall('truncate:16 (no rescore)'));
    const list = await vecdexOk(dir, ['index', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, 120_000);

  it('advise --recall: which configurations keep the target, smallest first, and the recommendation', async () => {
    const r = await vecdexOk(dir, [
      'advise',
      'pts',
      '--recall',
      '0.97',
      '--queries',
      '80',
      '--compare',
      'float16,int8,binary@10,binary!',
      '--json',
    ]);
    const advice = JSON.parse(r.stdout) as {
      target: number;
      rows: { config: string; recall: number; bytesPerVector: number; keeps: boolean }[];
      recommended: { config: string; recall: number } | null;
    };
    expect(advice.target).toBe(0.97);
    expect(advice.rows.map((x) => x.bytesPerVector)).toEqual([...advice.rows.map((x) => x.bytesPerVector)].sort((a, b) => a - b));
    for (const row of advice.rows) expect(row.keeps).toBe(row.recall >= 0.97);
    const first = advice.rows.find((x) => x.keeps);
    expect(advice.recommended?.config).toBe(first?.config);
    const text = await vecdexOk(dir, ['advise', 'pts', '--recall', '0.97', '--queries', '40', '--compare', 'int8']);
    expect(text.stdout).toMatch(/smallest that keeps recall@10 >= 0.97: int8 \(64 bytes\/vector, 0.250x float32/);
    const bad = await vecdex(dir, ['advise', 'pts', '--recall', '1.5']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--recall must be a number above 0 and at most 1/);
  }, 120_000);
});
