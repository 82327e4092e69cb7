import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import type { NormalizedItem } from '../../model/item.js';
import { type ConformanceContext, spec } from '../context.js';
import { ExpectedFeed } from '../expected-feed.js';
import { describeChange, readAll } from '../feed.js';
import { Random } from '../random.js';

const DIMS = 6;

/** A store with collections `a`, `b`, `c` and a model of the feed kept in step with it. */
export class FeedFixture {
  readonly model = new ExpectedFeed();
  readonly #rng: Random;
  readonly b: StorageBackend;
  #version = 0;

  constructor(b: StorageBackend, seed: number) {
    this.b = b;
    this.#rng = new Random(seed);
  }

  static async create(ctx: ConformanceContext, seed: number, b?: StorageBackend): Promise<FeedFixture> {
    const backend = b ?? (await ctx.fresh());
    for (const name of ['a', 'b', 'c']) await backend.createCollection(spec(name, DIMS, ctx.defaultMetric));
    return new FeedFixture(backend, seed);
  }

  /** A new version of item `id`, different from every earlier one. */
  item(id: string): NormalizedItem {
    const v = ++this.#version;
    return { id, vector: this.#rng.vector(DIMS), content: `v${v}`, metadata: { v, id } };
  }

  async upsert(collection: string, ...ids: string[]): Promise<void> {
    const items = ids.map((id) => this.item(id));
    await this.b.upsert(collection, items);
    this.model.upsert(collection, items);
  }

  async delete(collection: string, ...ids: string[]): Promise<void> {
    const expected = this.model.delete(collection, ids);
    expect(await this.b.delete(collection, ids), 'delete returns how many existed').toBe(expected);
  }
}

/** The change feed: completeness, order, latest-state collapsing, tombstones, cursors and counts. */
export function changeFeedTests(ctx: ConformanceContext): void {
  describe('change feed', () => {
    it('records every upsert and delete once, at its last write, in commit order', async () => {
      const f = await FeedFixture.create(ctx, 401);
      await f.upsert('a', 'x1');
      await f.upsert('a', 'x2', 'x3');
      await f.upsert('a', 'x4');
      await f.delete('a', 'x2');
      await f.upsert('a', 'x1');
      await f.delete('a', 'never-existed');
      await f.upsert('a', 'x5');
      const { changes } = await readAll(f.b, ['a'], null);
      expect(changes.map(describeChange)).toEqual(['upsert a/x3', 'upsert a/x4', 'delete a/x2', 'upsert a/x1', 'upsert a/x5']);
      f.model.expectChanges(changes, ['a']);
      f.model.expectChanges((await readAll(f.b, ['a'], null, 1000, false)).changes, ['a'], 0, false);
      expect(await f.b.countChanges(['a'], null)).toBe(5);
    });

    it('moves a rewritten item to its last position, and a deleted then re-added one too', async () => {
      const f = await FeedFixture.create(ctx, 402);
      for (const id of ['a1', 'b1', 'c1']) await f.upsert('a', id);
      await f.upsert('a', 'a1');
      expect((await readAll(f.b, ['a'], null)).changes.map(describeChange)).toEqual([
        'upsert a/b1',
        'upsert a/c1',
        'upsert a/a1',
      ]);
      await f.delete('a', 'b1');
      await f.upsert('a', 'b1');
      await f.delete('a', 'c1');
      const { changes } = await readAll(f.b, ['a'], null);
      expect(changes.map(describeChange)).toEqual(['upsert a/a1', 'upsert a/b1', 'delete a/c1']);
      f.model.expectChanges(changes, ['a']);
    });

    for (const limit of [1, 2, 7]) {
      it(`reading in batches of ${limit} from the start reaches done with exactly the latest changes`, async () => {
        const f = await FeedFixture.create(ctx, 403);
        for (let i = 0; i < 30; i += 3) await f.upsert('a', `i${i}`, `i${i + 1}`, `i${i + 2}`);
        for (let i = 0; i < 30; i += 4) await f.upsert('a', `i${i}`);
        await f.delete('a', 'i3', 'i5', 'i8', 'i9', 'i28');
        await f.upsert('a', 'i5');
        const whole = await readAll(f.b, ['a'], null, 1000);
        const batched = await readAll(f.b, ['a'], null, limit);
        f.model.expectChanges(batched.changes, ['a']);
        expect(batched.changes.map(describeChange), 'batched reads give the same sequence as one read').toEqual(
          whole.changes.map(describeChange),
        );
        expect(batched.batches).toBeGreaterThanOrEqual(Math.ceil(whole.changes.length / limit));
        const again = await f.b.readChanges({ collections: ['a'], after: batched.cursor, limit });
        expect(again.changes).toEqual([]);
        expect(again.done).toBe(true);
      });
    }

    it('a cursor after everything returns only later writes, and can be read again', async () => {
      const f = await FeedFixture.create(ctx, 404);
      for (let i = 0; i < 10; i++) await f.upsert('a', `k${i}`);
      const first = await readAll(f.b, ['a'], null, 4);
      const seenUpTo = f.model.position;
      await f.upsert('a', 'k3');
      await f.upsert('a', 'new');
      await f.delete('a', 'k7', 'ghost');
      const next = await readAll(f.b, ['a'], first.cursor, 2);
      expect(next.changes.map(describeChange)).toEqual(['upsert a/k3', 'upsert a/new', 'delete a/k7']);
      f.model.expectChanges(next.changes, ['a'], seenUpTo);
      expect((await readAll(f.b, ['a'], first.cursor)).changes.map(describeChange), 'reading does not consume').toEqual(
        next.changes.map(describeChange),
      );
      expect((await readAll(f.b, ['a'], next.cursor)).changes).toEqual([]);
    });

    it('countChanges and headCursor agree with readChanges', async () => {
      const f = await FeedFixture.create(ctx, 405);
      const empty = await f.b.headCursor();
      expect(await f.b.countChanges(['a', 'b'], null)).toBe(0);
      expect(await f.b.countChanges(['a'], empty)).toBe(0);
      expect((await f.b.readChanges({ collections: ['a'], after: empty, limit: 10 })).changes).toEqual([]);
      for (let i = 0; i < 12; i++) await f.upsert(i % 3 === 0 ? 'b' : 'a', `h${i}`);
      await f.upsert('a', 'h1');
      await f.delete('b', 'h0');
      const all = await readAll(f.b, ['a', 'b'], null);
      expect(await f.b.countChanges(['a', 'b'], null)).toBe(all.changes.length);
      expect((await f.b.countChanges(['a'], null)) + (await f.b.countChanges(['b'], null))).toBe(all.changes.length);
      const part = await f.b.readChanges({ collections: ['a', 'b'], after: null, limit: 5 });
      expect(part.changes).toHaveLength(5);
      expect(await f.b.countChanges(['a', 'b'], part.cursor)).toBe(all.changes.length - 5);
      const head = await f.b.headCursor();
      expect(await f.b.countChanges(['a', 'b', 'c'], head)).toBe(0);
      const atHead = await f.b.readChanges({ collections: ['a', 'b'], after: head, limit: 10 });
      expect(atHead.changes).toEqual([]);
      expect(atHead.done).toBe(true);
      const before = f.model.position;
      await f.upsert('c', 'later');
      await f.upsert('a', 'h2');
      expect(await f.b.countChanges(['a', 'b', 'c'], head)).toBe(2);
      expect(await f.b.countChanges(['b'], head)).toBe(0);
      const after = await readAll(f.b, ['a', 'b', 'c'], head);
      f.model.expectChanges(after.changes, ['a', 'b', 'c'], before);
      expect(await f.b.countChanges(['a', 'b', 'c'], await f.b.headCursor())).toBe(0);
    });

    it('interleaves several collections in commit order and leaves others out', async () => {
      const f = await FeedFixture.create(ctx, 406);
      for (let i = 0; i < 9; i++) await f.upsert(['a', 'b', 'c'][i % 3] as string, `m${i}`);
      await f.upsert('b', 'm1');
      await f.delete('a', 'm3');
      const ab = await readAll(f.b, ['a', 'b'], null, 3);
      expect(ab.changes.map(describeChange)).toEqual([
        'upsert a/m0',
        'upsert b/m4',
        'upsert a/m6',
        'upsert b/m7',
        'upsert b/m1',
        'delete a/m3',
      ]);
      f.model.expectChanges(ab.changes, ['a', 'b']);
      f.model.expectChanges((await readAll(f.b, ['c'], null, 2)).changes, ['c']);
      f.model.expectChanges((await readAll(f.b, ['a', 'b', 'c'], null, 4)).changes, ['a', 'b', 'c']);
    });
  });
}
