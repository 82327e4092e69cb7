import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fvecs, hasTerminalCodes, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex import: fvecs and CSV', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
  });
  afterAll(() => cleanup());

  it('imports .fvecs with ids <prefix><row index>, creating the collection from the file', async () => {
    const vectors = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0.9, 0.1, 0, 0],
    ];
    await writeFile(path.join(dir, 'base.fvecs'), fvecs(vectors));
    const r = await vecdexOk(dir, ['import', 'sift', 'base.fvecs', '--create', '--metric', 'l2', '--id-prefix', 'v', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ collection: 'sift', format: 'fvecs', records: 4, written: 4, created: true });

    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'sift', '--json'])).stdout);
    expect(info).toMatchObject({ dimensions: 4, metric: 'l2', count: 4 });

    const hits = JSON.parse((await vecdexOk(dir, ['similar', 'sift', '--vector', '[1,0,0,0]', '-k', '2', '--json'])).stdout);
    expect(hits.map((h: { id: string }) => h.id)).toEqual(['v0', 'v3']);
    expect(hits[0].metadata).toBeNull();
    expect(hits[1].distance).toBeCloseTo(Math.hypot(0.1, 0.1), 5);
  });

  it('imports CSV with quoted commas, doubled quotes, CRLF and metadata columns', async () => {
    await vecdexOk(dir, ['collections', 'create', 'csv', '--dimensions', '2', '--metric', 'l2']);
    const csv = [
      'id,vector,content,lang,year,note',
      '1,"[1, 0]","Hello, ""world""",en,2020,"a, b"',
      '2,"[0, 1]","two\r\nlines",de,01234,',
      '',
    ].join('\r\n');
    await writeFile(path.join(dir, 'items.csv'), csv);
    const r = await vecdexOk(dir, ['import', 'csv', 'items.csv']);
    expect(r.stdout).toMatch(/imported 2 items/);

    const one = JSON.parse((await vecdexOk(dir, ['get', 'csv', '1', '--json'])).stdout);
    expect(one.content).toBe('Hello, "world"');
    expect(one.metadata).toEqual({ lang: 'en', year: 2020, note: 'a, b' });
    const two = JSON.parse((await vecdexOk(dir, ['get', 'csv', '2', '--json'])).stdout);
    expect(two.content).toBe('two\r\nlines');
    // "01234" keeps its leading zero as a string; the empty note is left out.
    expect(two.metadata).toEqual({ lang: 'de', year: '01234' });
  });

  it('CSV: --vector-columns reads v0..vN and --metadata-columns restricts metadata', async () => {
    await vecdexOk(dir, ['collections', 'create', 'wide', '--dimensions', '3']);
    await writeFile(path.join(dir, 'wide.csv'), 'id,v2,v0,v1,lang,secret\nx,0,1,0,en,s1\ny,1,0,0,fr,s2\n');
    await vecdexOk(dir, ['import', 'wide', 'wide.csv', '--vector-columns', 'v', '--metadata-columns', 'lang']);
    const x = JSON.parse((await vecdexOk(dir, ['get', 'wide', 'x', '--vector', '--json'])).stdout);
    expect(x.vector).toEqual([1, 0, 0]);
    expect(x.metadata).toEqual({ lang: 'en' });
    const hits = JSON.parse((await vecdexOk(dir, ['similar', 'wide', '--vector', '[0,0,1]', '-k', '1', '--json'])).stdout);
    expect(hits[0].id).toBe('y');
  });

  it('an explicit --format overrides the extension, and an unknown extension is a usage error', async () => {
    await writeFile(path.join(dir, 'data.txt'), '{"id":"t1","vector":[1,1]}\n');
    const unknown = await vecdex(dir, ['import', 'csv', 'data.txt']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--format/);
    await vecdexOk(dir, ['import', 'csv', 'data.txt', '--format', 'jsonl']);
    expect(JSON.parse((await vecdexOk(dir, ['collections', 'info', 'csv', '--json'])).stdout).count).toBe(3);
  });

  it('batches across --batch-size, later records winning for repeated ids', async () => {
    await vecdexOk(dir, ['collections', 'create', 'batches', '--dimensions', '2']);
    const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: `i${i % 20}`, vector: [1, i + 1], metadata: { i } }));
    await writeFile(path.join(dir, 'batches.jsonl'), `${lines.join('\n')}\n`);
    const r = JSON.parse((await vecdexOk(dir, ['import', 'batches', 'batches.jsonl', '--batch-size', '7', '--json'])).stdout);
    expect(r.records).toBe(25);
    expect(JSON.parse((await vecdexOk(dir, ['collections', 'info', 'batches', '--json'])).stdout).count).toBe(20);
    const i3 = JSON.parse((await vecdexOk(dir, ['get', 'batches', 'i3', '--json'])).stdout);
    expect(i3.metadata).toEqual({ i: 23 });
  });

  it('piped import writes no progress escape codes, and --json writes only JSON', async () => {
    await vecdexOk(dir, ['collections', 'create', 'piped', '--dimensions', '2']);
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: `p${i}`, vector: [1, i] }));
    await writeFile(path.join(dir, 'piped.jsonl'), `${lines.join('\n')}\n`);
    const r = await vecdexOk(dir, ['import', 'piped', 'piped.jsonl', '--batch-size', '100']);
    expect(r.stderr).toBe('');
    expect(hasTerminalCodes(r.stdout)).toBe(false);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);

    const j = await vecdexOk(dir, ['--json', 'import', 'piped', 'piped.jsonl']);
    expect(j.stderr).toBe('');
    expect(JSON.parse(j.stdout)).toMatchObject({ collection: 'piped', records: 3000, written: 3000, created: false });
  });
});
