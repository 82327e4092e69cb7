/** `vecdex collections create --filterable` and `vecdex collections filterable`: declare, show, drop. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex collections filterable', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
  });
  afterAll(() => cleanup());

  const info = async (name: string) => JSON.parse((await vecdexOk(dir, ['collections', 'info', name, '--json'])).stdout);

  it('declares fields at creation and afterwards, shows them, and drops them', async () => {
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '2', '--filterable', 'tenant, year']);
    expect((await info('docs')).filterable).toEqual(['tenant', 'year']);
    await writeFile(
      path.join(dir, 'items.jsonl'),
      jsonl(
        Array.from({ length: 20 }, (_, i) => ({
          id: `d${i}`,
          vector: [1, i],
          metadata: { tenant: i % 2 === 0 ? 'a' : 'b', 'a-b': i },
        })),
      ),
    );
    await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
    const set = await vecdexOk(dir, ['collections', 'filterable', 'docs', 'a-b']);
    expect(set.stdout).toContain('filterable a-b');
    expect((await vecdexOk(dir, ['collections', 'info', 'docs'])).stdout).toMatch(/filterable:\s+a-b/);
    const hits = JSON.parse(
      (await vecdexOk(dir, ['similar', 'docs', '--vector', '[1, 3]', '--filter', '{"a-b": {"$lt": 5}}', '--json'])).stdout,
    );
    expect(hits.map((h: { id: string }) => h.id).sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    await vecdexOk(dir, ['collections', 'filterable', 'docs', '--none']);
    expect((await info('docs')).filterable).toEqual([]);
  });

  it('refuses a bad field name and a call without fields or --none', async () => {
    await vecdexOk(dir, ['collections', 'create', 'bad', '--dimensions', '2']);
    const bad = await vecdex(dir, ['collections', 'filterable', 'bad', "x'y"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('filterable field');
    const usage = await vecdex(dir, ['collections', 'filterable', 'bad']);
    expect(usage.code).toBe(2);
    expect((await info('bad')).filterable).toEqual([]);
  });
});
