import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { isVecdexError } from '../../errors/vecdex-error.js';
import type { ChangeCursor } from '../../model/change.js';
import type { ConformanceContext } from '../context.js';
import { describeChange, readAll } from '../feed.js';
import { FeedFixture } from './change-feed.js';

/** `StorageBackend.pruneTombstones` (only run when the backend has it: it is optional). */
export function tombstonePruningTests(ctx: ConformanceContext): void {
  describe('tombstone pruning', () => {
    const open = async (t: { skip: (note?: string) => void }, seed: number): Promise<FeedFixture> => {
      const f = await FeedFixture.create(ctx, seed);
      if (typeof f.b.pruneTombstones !== 'function') t.skip(`${ctx.options.name} has no pruneTombstones (it is optional)`);
      return f;
    };
    const prune = (b: StorageBackend, readers: readonly ChangeCursor[]) =>
      (b.pruneTombstones as NonNullable<StorageBackend['pruneTombstones']>)(readers);
    const expired = async (p: Promise<unknown>): Promise<boolean> => {
      try {
        await p;
        return false;
      } catch (err) {
        if (isVecdexError(err, 'CURSOR_EXPIRED')) return true;
        throw err;
      }
    };

    it('deletes only the tombstones every reader has passed, and keeps every upsert', async (t) => {
      const f = await open(t, 901);
      await f.upsert('a', 'x1', 'x2', 'x3', 'x4');
      await f.upsert('b', 'y1', 'y2');
      const early = (await readAll(f.b, ['a', 'b'], null)).cursor as ChangeCursor;
      await f.delete('a', 'x1', 'x2');
      await f.delete('b', 'y1');
      const middle = (await readAll(f.b, ['a', 'b'], early)).cursor as ChangeCursor;
      await f.delete('a', 'x3');
      await f.upsert('a', 'x5');

      // Readers at `middle` and later: the three tombstones before `middle` go, x3's stays.
      expect(await prune(f.b, [middle])).toBe(3);
      const all = await readAll(f.b, ['a', 'b'], null);
      expect(all.changes.map(describeChange).sort()).toEqual(['delete a/x3', 'upsert a/x4', 'upsert a/x5', 'upsert b/y2'].sort());
      // A reader at `middle` still gets x3's delete and the new upsert.
      const rest = await readAll(f.b, ['a', 'b'], middle);
      expect(rest.changes.map(describeChange)).toEqual(['delete a/x3', 'upsert a/x5']);
      expect(await f.b.countChanges(['a', 'b'], middle)).toBe(2);
      // Pruning again with the same reader finds nothing more.
      expect(await prune(f.b, [middle])).toBe(0);
    });

    it('refuses reads and counts from a cursor before a pruned tombstone (CURSOR_EXPIRED); null is fine', async (t) => {
      const f = await open(t, 902);
      await f.upsert('a', 'x1', 'x2');
      const early = (await readAll(f.b, ['a'], null)).cursor as ChangeCursor;
      await f.delete('a', 'x1');
      const late = (await readAll(f.b, ['a'], early)).cursor as ChangeCursor;
      expect(await prune(f.b, [late])).toBe(1);
      expect(await expired(f.b.readChanges({ collections: ['a'], after: early, limit: 10 }))).toBe(true);
      expect(await expired(f.b.countChanges(['a'], early))).toBe(true);
      // The refusal names what to do, and nothing was lost for a reader starting over.
      const restart = await readAll(f.b, ['a'], null);
      expect(restart.changes.map(describeChange)).toEqual(['upsert a/x2']);
      expect(await expired(f.b.countChanges(['a'], late))).toBe(false);
    });

    it('with no readers, deletes every committed tombstone; the store itself is untouched', async (t) => {
      const f = await open(t, 903);
      await f.upsert('a', 'x1', 'x2', 'x3');
      await f.delete('a', 'x1', 'x3');
      await f.upsert('c', 'z1');
      await f.delete('c', 'z1');
      expect(await prune(f.b, [])).toBe(3);
      expect((await readAll(f.b, ['a', 'c'], null)).changes.map(describeChange)).toEqual(['upsert a/x2']);
      expect(await f.b.count('a')).toBe(1);
      expect((await f.b.get('a', ['x2'])).map((i) => i.id)).toEqual(['x2']);
      // A delete after the prune is in the feed as usual, for a reader at the head.
      const head = await f.b.headCursor();
      await f.delete('a', 'x2');
      expect((await readAll(f.b, ['a'], head)).changes.map(describeChange)).toEqual(['delete a/x2']);
    });
  });
}
