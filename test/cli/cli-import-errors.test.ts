import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fvecs, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

// A bad file must never half-import: the error names the place, and the collection is unchanged.
describe('vecdex import: bad files write nothing', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  const count = async (name: string): Promise<number> =>
    JSON.parse((await vecdexOk(dir, ['collections', 'info', name, '--json'])).stdout).count;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '3']);
    await writeFile(path.join(dir, 'seed.jsonl'), jsonl([{ id: 'seed', vector: [1, 2, 3] }]));
    await vecdexOk(dir, ['import', 'docs', 'seed.jsonl']);
  });
  afterAll(() => cleanup());

  it('malformed JSON on line 3: exit 1, the message names the file and line 3, nothing imported', async () => {
    const text =
      '{"id":"a","vector":[1,0,0]}\n{"id":"b","vector":[0,1,0]}\n{"id":"c","vector":[0,0,1]\n{"id":"d","vector":[1,1,1]}\n';
    await writeFile(path.join(dir, 'broken.jsonl'), text);
    const r = await vecdex(dir, ['import', 'docs', 'broken.jsonl', '--batch-size', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.jsonl, line 3: invalid JSON/);
    expect(r.stdout).toBe('');
    expect(await count('docs')).toBe(1);
  });

  it('wrong dimensions on line 3: exit 1, names line 3 and the dimensions, nothing imported', async () => {
    // Line 2 is blank: line numbers count physical lines, not records.
    const text = '{"id":"a","vector":[1,0,0]}\n\n{"id":"b","vector":[0,1]}\n{"id":"c","vector":[0,0,1]}\n';
    await writeFile(path.join(dir, 'dims.jsonl'), text);
    const r = await vecdex(dir, ['import', 'docs', 'dims.jsonl', '--batch-size', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dims\.jsonl, line 3: item "b" has 2 dimensions but collection "docs" expects 3/);
    expect(await count('docs')).toBe(1);
  });

  it('NaN, a bad id and non-object metadata are caught before any write', async () => {
    const cases: [file: string, text: string, extra: string[], message: RegExp][] = [
      [
        'nan.csv',
        'id,v0,v1,v2\nok,1,2,3\nbad,1,NaN,3\n',
        ['--vector-columns', 'v'],
        /nan\.csv, line 3: item "bad": element 1 is NaN/,
      ],
      [
        'num.csv',
        'id,c0,c1,c2\na,1,2,3\nb,1,two,3\n',
        ['--vector-columns', 'c'],
        /num\.csv, line 3: column "c1" is "two", not a number/,
      ],
      ['cols.csv', 'id,vector,v\nok,"[1,2,3]",x\nshort,"[1,2,3]"\n', [], /cols\.csv, line 3: has 2 fields but the header has 3/],
      [
        'meta.jsonl',
        '{"id":"a","vector":[1,0,0]}\n{"id":"b","vector":[1,0,0],"metadata":[1]}\n',
        [],
        /meta\.jsonl, line 2: .*metadata/,
      ],
      ['id.jsonl', '{"id":"a","vector":[1,0,0]}\n{"id":"","vector":[1,0,0]}\n', [], /id\.jsonl, line 2: .*empty/],
    ];
    for (const [file, text, extra, message] of cases) {
      await writeFile(path.join(dir, file), text);
      const r = await vecdex(dir, ['import', 'docs', file, ...extra]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toMatch(message);
    }
    expect(await count('docs')).toBe(1);
  });

  it('a truncated .fvecs names the record index and byte offset; --create creates nothing', async () => {
    const bytes = fvecs([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    await writeFile(path.join(dir, 'cut.fvecs'), bytes.subarray(0, bytes.length - 3));
    const r = await vecdex(dir, ['import', 'fresh', 'cut.fvecs', '--create']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.fvecs, record 2 \(byte offset 32\): the file ends inside this record/);
    const list = JSON.parse((await vecdexOk(dir, ['collections', 'list', '--json'])).stdout);
    expect(list.map((c: { name: string }) => c.name)).toEqual(['docs']);
  });

  it('an unknown collection without --create fails and suggests --create', async () => {
    const r = await vecdex(dir, ['import', 'nowhere', 'seed.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown collection "nowhere"/);
    expect(r.stderr).toMatch(/--create/);
  });

  it('a missing file is an error that names it', async () => {
    const r = await vecdex(dir, ['import', 'docs', 'nope.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.jsonl: no such file/);
  });

  it('with --json the error is JSON on stderr and stdout stays empty', async () => {
    const r = await vecdex(dir, ['import', 'docs', 'dims.jsonl', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const err = JSON.parse(r.stderr);
    expect(err.error).toMatchObject({ code: 'DIMENSION_MISMATCH', details: { file: 'dims.jsonl', line: 3 } });
  });
});
