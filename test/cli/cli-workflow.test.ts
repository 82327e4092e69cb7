import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, hasTerminalCodes, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

// One project taken through the whole life cycle, in order: each step relies on the previous one.
describe('vecdex CLI: init, collections, import, similar, get, delete', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
  });
  afterAll(() => cleanup());

  it('init writes a sqlite-vec config and refuses to overwrite it without --force', async () => {
    const r = await vecdexOk(dir, ['init']);
    expect(r.stdout).toContain('vecdex.config.json');
    const config = JSON.parse(await readFile(path.join(dir, 'vecdex.config.json'), 'utf8'));
    expect(config).toEqual({ backend: { use: '@vecdex/backend-sqlitevec', options: { path: './vecdex.db' } } });

    const again = await vecdex(dir, ['init']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).toMatch(/--force/);

    await vecdexOk(dir, ['init', '--force', '--path', './data.db']);
    const forced = JSON.parse(await readFile(path.join(dir, 'vecdex.config.json'), 'utf8'));
    expect(forced.backend.options.path).toBe('./data.db');
  });

  it('creates a collection and shows it in list and info', async () => {
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '3', '--metric', 'cosine', '--model', 'toy-3d']);
    const list = JSON.parse((await vecdexOk(dir, ['collections', 'list', '--json'])).stdout);
    expect(list).toEqual([expect.objectContaining({ name: 'docs', dimensions: 3, metric: 'cosine', model: 'toy-3d', count: 0 })]);

    const info = await vecdexOk(dir, ['collections', 'info', 'docs']);
    expect(info.stdout).toMatch(/dimensions:\s+3/);
    expect(info.stdout).toMatch(/metric:\s+cosine/);
    expect(info.stdout).toMatch(/model:\s+toy-3d/);
    expect(info.stdout).toMatch(/count:\s+0/);
    expect(info.stdout).toMatch(/default index:/);
    expect(info.stdout).toMatch(/created:\s+\d{4}-\d\d-\d\dT/);

    const dup = await vecdex(dir, ['collections', 'create', 'docs', '--dimensions', '3']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it('imports a JSONL file (blank lines skipped) and prints no progress when piped', async () => {
    const items = [
      { id: 'a', vector: [1, 0, 0], content: 'alpha', metadata: { lang: 'en', year: 2020 } },
      { id: 'b', vector: [0.8, 0.2, 0], metadata: { lang: 'de', year: 2021 } },
      { id: 'c', vector: [0, 0, 1], metadata: { lang: 'en', year: 2022 } },
    ];
    await writeFile(path.join(dir, 'items.jsonl'), `${jsonl(items)}\n\n`);
    const r = await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
    expect(r.stdout).toMatch(/imported 3 items into "docs"/);
    expect(r.stderr).toBe('');
    expect(hasTerminalCodes(r.stdout + r.stderr)).toBe(false);
    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout);
    expect(info.count).toBe(3);
  });

  it('similar --vector --json prints exactly a JSON array, nearest first', async () => {
    const r = await vecdexOk(dir, ['similar', 'docs', '--vector', '[1, 0, 0]', '--json']);
    const hits = JSON.parse(r.stdout);
    expect(Array.isArray(hits)).toBe(true);
    expect(hits.map((h: { id: string }) => h.id)).toEqual(['a', 'b', 'c']);
    expect(hits[0]).toEqual({ collection: 'docs', id: 'a', distance: expect.any(Number), metadata: { lang: 'en', year: 2020 } });
    expect(hits[0].distance).toBeCloseTo(0, 5);
    expect(hits[1].distance).toBeCloseTo(1 - 0.8 / Math.hypot(0.8, 0.2), 5);
    expect(hits[2].distance).toBeCloseTo(1, 5);
    expect(r.stderr).toBe('');
  });

  it('similar takes -k, --filter and --content', async () => {
    const top = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0,0]', '-k', '1', '--content', '--json'])).stdout,
    );
    expect(top).toEqual([
      { collection: 'docs', id: 'a', distance: expect.any(Number), metadata: { lang: 'en', year: 2020 }, content: 'alpha' },
    ]);

    const filtered = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0,0]', '--filter', '{"year": {"$gte": 2021}}', '--json'])).stdout,
    );
    expect(filtered.map((h: { id: string }) => h.id)).toEqual(['b', 'c']);
  });

  it('similar prints a table by default', async () => {
    const r = await vecdexOk(dir, ['similar', 'docs', '--vector', '[1,0,0]']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/RANK\s+ID\s+DISTANCE\s+METADATA/);
    expect(lines[1]).toMatch(/^\s*1\s+a\s+0\s+\{"lang":"en","year":2020\}/);
    expect(lines).toHaveLength(4);
  });

  it('similar --id searches from a stored item and leaves it out', async () => {
    const hits = JSON.parse((await vecdexOk(dir, ['similar', 'docs', '--id', 'a', '--json'])).stdout);
    expect(hits.map((h: { id: string }) => h.id)).toEqual(['b', 'c']);
  });

  it('get shows one item, with its vector only when asked', async () => {
    const item = JSON.parse((await vecdexOk(dir, ['get', 'docs', 'a', '--json'])).stdout);
    expect(item).toMatchObject({ collection: 'docs', id: 'a', content: 'alpha', metadata: { lang: 'en', year: 2020 } });
    expect(item.vector).toBeUndefined();
    const withVector = JSON.parse((await vecdexOk(dir, ['get', 'docs', 'a', '--vector', '--json'])).stdout);
    expect(withVector.vector).toEqual([1, 0, 0]);

    const missing = await vecdex(dir, ['get', 'docs', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no item "nope"/);
  });

  it('delete removes items by id and from --ids-file, and says how many existed', async () => {
    await writeFile(path.join(dir, 'ids.txt'), 'c\r\n\r\nmissing\r\n');
    const r = await vecdexOk(dir, ['delete', 'docs', 'b', '--ids-file', 'ids.txt']);
    expect(r.stdout).toMatch(/deleted 2 items from "docs" \(1 not found\)/);
    const json = JSON.parse((await vecdexOk(dir, ['delete', 'docs', 'b', '--json'])).stdout);
    expect(json).toEqual({ collection: 'docs', requested: 1, deleted: 0 });

    const info = JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout);
    expect(info.count).toBe(1);
  });

  it('collections delete refuses without --yes when stdin is not a terminal', async () => {
    const refused = await vecdex(dir, ['collections', 'delete', 'docs']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(JSON.parse((await vecdexOk(dir, ['collections', 'list', '--json'])).stdout)).toHaveLength(1);

    const r = await vecdexOk(dir, ['collections', 'delete', 'docs', '--yes']);
    expect(r.stdout).toMatch(/deleted collection "docs"/);
    expect(JSON.parse((await vecdexOk(dir, ['collections', 'list', '--json'])).stdout)).toEqual([]);
  });
});
