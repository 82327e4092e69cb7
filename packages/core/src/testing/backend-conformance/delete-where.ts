import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { FilterNode } from '../../filter/filter-ast.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { ChangeCursor } from '../../model/change.js';
import type { ConformanceContext } from '../context.js';
import { describeChange, readAll } from '../feed.js';
import { FeedFixture } from './change-feed.js';

/** `StorageBackend.deleteWhere` (only run when the backend has it: it is optional). */
export function deleteWhereTests(ctx: ConformanceContext): void {
  describe('delete by filter', () => {
    it('deletes exactly the matching items of one collection, a tombstone each, and returns how many', async (t) => {
      const f = await FeedFixture.create(ctx, 1201);
      if (typeof f.b.deleteWhere !== 'function') t.skip(`${ctx.options.name} has no deleteWhere (it is optional)`);
      const deleteWhere = f.b.deleteWhere as NonNullable<StorageBackend['deleteWhere']>;
      // FeedFixture items carry metadata { v, id }: v counts versions across the fixture.
      await f.upsert('a', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6');
      await f.upsert('b', 'x1', 'x2');
      const before = (await readAll(f.b, ['a', 'b'], null)).cursor as ChangeCursor;
      const gone = await deleteWhere.call(f.b, 'a', parseFilter({ id: { $in: ['x2', 'x4', 'x6', 'nope'] } }) as FilterNode);
      expect(gone, 'deleteWhere returns how many it deleted').toBe(3);
      f.model.delete('a', ['x2', 'x4', 'x6']);
      expect(await f.b.count('a')).toBe(3);
      expect(await f.b.count('b'), 'other collections are untouched').toBe(2);
      const after = await readAll(f.b, ['a', 'b'], before);
      expect(after.changes.map(describeChange).sort()).toEqual(['delete a/x2', 'delete a/x4', 'delete a/x6']);
      expect(await deleteWhere.call(f.b, 'a', parseFilter({ id: 'x2' }) as FilterNode), 'nothing left to match').toBe(0);
    });
  });
}
