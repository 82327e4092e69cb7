import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportRecord } from '../src/import/import-record.js';
import { readCsv } from '../src/import/read-csv.js';
import { readFvecs } from '../src/import/read-fvecs.js';
import { readJsonl } from '../src/import/read-jsonl.js';

async function all(gen: AsyncGenerator<ImportRecord>): Promise<ImportRecord[]> {
  const out: ImportRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe('import readers', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-readers-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fvecs: records that straddle read chunks come out whole, with ids and offsets', async () => {
    const dim = 100;
    const n = 600; // 404 bytes each: ~240 KB, several 64 KB chunks, boundaries mid-record
    const buf = Buffer.alloc(n * (4 + 4 * dim));
    for (let i = 0; i < n; i++) {
      const at = i * (4 + 4 * dim);
      buf.writeInt32LE(dim, at);
      for (let j = 0; j < dim; j++) buf.writeFloatLE(i + j / 1000, at + 4 + 4 * j);
    }
    await writeFile(file('many.fvecs'), buf);
    const recs = await all(readFvecs(file('many.fvecs'), { idPrefix: 'r' }));
    expect(recs).toHaveLength(n);
    for (const i of [0, 161, 162, 599]) {
      const { value, where } = recs[i] as ImportRecord;
      const item = value as { id: string; vector: Float32Array };
      expect(item.id).toBe(`r${i}`);
      expect(item.vector).toHaveLength(dim);
      expect(item.vector[0]).toBe(i);
      expect(item.vector[99]).toBeCloseTo(i + 0.099, 4);
      expect(where).toEqual({ index: i, offset: i * 404 });
    }
  });

  it('fvecs: a nonsense dimension header is reported with its record and offset', async () => {
    const buf = Buffer.alloc(8 + 4);
    buf.writeInt32LE(1, 0);
    buf.writeFloatLE(1, 4);
    buf.writeInt32LE(-7, 8);
    await writeFile(file('neg.fvecs'), buf);
    await expect(all(readFvecs(file('neg.fvecs')))).rejects.toThrow(
      /neg\.fvecs, record 1 \(byte offset 8\): the dimension header reads -7/,
    );
  });

  it('jsonl: skips blank lines, strips a BOM, counts physical lines, applies an id prefix', async () => {
    await writeFile(file('a.jsonl'), '\uFEFF{"id":"x","vector":[1]}\r\n\r\n  \n{"id":"y","vector":[2]}');
    const recs = await all(readJsonl(file('a.jsonl'), { idPrefix: 'p-' }));
    expect(recs.map((r) => [(r.value as { id: string }).id, r.where.line, r.where.index])).toEqual([
      ['p-x', 1, 0],
      ['p-y', 4, 1],
    ]);
  });

  it('jsonl: a JSON array file gets a hint, a non-object line an explanation', async () => {
    await writeFile(file('arr.json'), '[{"id":"x","vector":[1]},\n{"id":"y","vector":[2]}]\n');
    await expect(all(readJsonl(file('arr.json')))).rejects.toThrow(/line 1: invalid JSON.*JSON Lines/);
    await writeFile(file('num.jsonl'), '{"id":"x","vector":[1]}\n42\n');
    await expect(all(readJsonl(file('num.jsonl')))).rejects.toThrow(/num\.jsonl, line 2: expected a JSON object/);
  });

  it('csv: syntax errors and short rows name the line', async () => {
    await writeFile(file('q.csv'), 'id,vector\na,"[1]"\nb,"[2]"x\n');
    await expect(all(readCsv(file('q.csv')))).rejects.toThrow(/q\.csv, line 3: unexpected "x" after a closing quote/);
    await writeFile(file('empty.csv'), '');
    await expect(all(readCsv(file('empty.csv')))).rejects.toThrow(/empty.*header/);
    await writeFile(file('header.csv'), 'id,vector\n');
    expect(await all(readCsv(file('header.csv')))).toEqual([]);
  });
});
