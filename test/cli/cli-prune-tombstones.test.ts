import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertBuilt, jsonl, tempProject, vecdexOk } from './run-vecdex.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  assertBuilt();
  ({ dir, cleanup } = await tempProject());
  await vecdexOk(dir, ['init']);
  await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '2', '--metric', 'l2']);
  const items = Array.from({ length: 5 }, (_, i) => ({ id: `d${i}`, vector: [i, 1] }));
  await writeFile(path.join(dir, 'items.jsonl'), jsonl(items));
  await vecdexOk(dir, ['import', 'docs', 'items.jsonl']);
});
afterAll(() => cleanup());

it('vecdex prune-tombstones deletes the tombstones of deleted items, and reports it (text and --json)', async () => {
  await vecdexOk(dir, ['delete', 'docs', 'd1', 'd2']);
  const json = JSON.parse((await vecdexOk(dir, ['prune-tombstones', '--json'])).stdout);
  expect(json).toEqual({ deleted: 2, readers: 0 });
  const again = await vecdexOk(dir, ['prune-tombstones']);
  expect(again.stdout).toMatch(/pruned 0 tombstones/);
  // The items themselves are as they were.
  const list = JSON.parse((await vecdexOk(dir, ['collections', 'list', '--json'])).stdout);
  expect(list[0].count).toBe(3);
});
