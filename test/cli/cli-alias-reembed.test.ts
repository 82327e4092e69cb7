/** `vecdex alias set|list|rm` and `vecdex reembed <from> <to> --alias`: the CLI's zero-downtime model change. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex alias and reembed', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    const words = ['wool coat', 'rain boots', 'linen shirt', 'denim jacket', 'silk scarf'];
    const items = Array.from({ length: 25 }, (_, i) => ({ id: `d${i}`, content: `${words[i % 5]} number ${i}`, lang: 'en' }));
    await writeFile(path.join(dir, 'items.jsonl'), jsonl(items));
    await vecdexOk(dir, [
      'embed-multi',
      'docs_v1',
      '--jsonl',
      'items.jsonl',
      '--store',
      '--dimensions',
      '32',
      '--metadata',
      'lang',
    ]);
  });
  afterAll(() => cleanup());

  it('alias set/list/rm; search, similar and get follow the alias', async () => {
    expect((await vecdexOk(dir, ['alias', 'set', 'docs', 'docs_v1'])).stdout).toMatch(/alias "docs" -> "docs_v1"/);
    expect(JSON.parse((await vecdexOk(dir, ['alias', 'list', '--json'])).stdout)).toMatchObject([
      { alias: 'docs', collection: 'docs_v1' },
    ]);
    const hits = JSON.parse((await vecdexOk(dir, ['search', 'docs', 'wool coat', '-k', '3', '--json'])).stdout);
    expect(JSON.stringify(hits)).toContain('docs_v1');
    expect(JSON.parse((await vecdexOk(dir, ['get', 'docs', 'd2', '--json'])).stdout)).toMatchObject({ id: 'd2' });
    const gone = await vecdex(dir, ['alias', 'rm', 'nope']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no alias "nope"/);
  });

  it('reembed with another model, then one switch of the alias; a re-run skips everything', async () => {
    const r = await vecdexOk(dir, [
      'reembed',
      'docs',
      'docs_v2',
      '--provider',
      'hashing',
      '--dimensions',
      '64',
      '--alias',
      'docs',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({
      collection: 'docs_v2',
      model: 'hashing-64',
      embedded: 25,
      failed: [],
      alias: { alias: 'docs', collection: 'docs_v2', previous: 'docs_v1' },
    });
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout);
    expect(info).toMatchObject({ name: 'docs_v2', dimensions: 64, count: 25 });
    const again = JSON.parse((await vecdexOk(dir, ['reembed', 'docs_v1', 'docs_v2', '--dimensions', '64', '--json'])).stdout);
    expect(again).toMatchObject({ embedded: 0, unchanged: 25 });
  });
});
