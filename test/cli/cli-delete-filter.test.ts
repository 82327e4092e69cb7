/** `vecdex delete <collection> --filter JSON`: --dry-run counts, no terminal needs --yes, --yes deletes. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex delete --filter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '2']);
    const items = Array.from({ length: 30 }, (_, i) => ({
      id: `d${i}`,
      vector: [1, i],
      metadata: { source: i < 10 ? 'old-crawl' : 'fresh' },
    }));
    await writeFile(path.join(dir, 'items.jsonl'), jsonl(items));
    await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
  });
  afterAll(() => cleanup());

  const count = async () => JSON.parse((await vecdexOk(dir, ['collections', 'info', 'docs', '--json'])).stdout).count;
  const filter = '{"source": "old-crawl"}';

  it('--dry-run prints the count and deletes nothing', async () => {
    const r = await vecdexOk(dir, ['delete', 'docs', '--filter', filter, '--dry-run']);
    expect(r.stdout).toMatch(/10 items in "docs" match the filter \(dry run: nothing deleted\)/);
    expect(JSON.parse((await vecdexOk(dir, ['delete', 'docs', '--filter', filter, '--dry-run', '--json'])).stdout)).toMatchObject(
      {
        matching: 10,
        deleted: 0,
        dryRun: true,
      },
    );
    expect(await count()).toBe(30);
  });

  it('refuses without --yes when stdin is not a terminal, deletes with it', async () => {
    const refused = await vecdex(dir, ['delete', 'docs', '--filter', filter]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/without confirmation: stdin is not a terminal/);
    expect(await count()).toBe(30);
    const r = await vecdexOk(dir, ['delete', 'docs', '--filter', filter, '--yes']);
    expect(r.stdout).toMatch(/deleted 10 items matching the filter from "docs"/);
    expect(await count()).toBe(20);
    const none = await vecdexOk(dir, ['delete', 'docs', '--filter', filter, '--yes']);
    expect(none.stdout).toMatch(/no items in "docs" match the filter/);
  });

  it('refuses an empty filter and ids mixed with --filter', async () => {
    const empty = await vecdex(dir, ['delete', 'docs', '--filter', '{}', '--yes']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/at least one condition/);
    const mixed = await vecdex(dir, ['delete', 'docs', 'd11', '--filter', filter]);
    expect(mixed.code).toBe(2);
    expect(await count()).toBe(20);
  });
});
