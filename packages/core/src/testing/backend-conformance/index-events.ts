import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { IndexHistory } from '../../indexes/index-history.js';
import type { IndexEvent } from '../../model/index-event.js';
import { type ConformanceContext, spec } from '../context.js';
import { definition } from './index-catalog.js';

/** The same backend with `appendIndexEvent` / `listIndexEvents` hidden: core falls back to its default. */
function withoutEventMethods(backend: StorageBackend): StorageBackend {
  return new Proxy(backend, {
    get(target, key) {
      if (key === 'appendIndexEvent' || key === 'listIndexEvents') return undefined;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Event `n` of `index`: the kinds rotate, fractional durations, a rebuild carries a cause and words. */
function event(index: string, n: number): IndexEvent {
  const kind = (['build', 'sync', 'rebuild'] as const)[n % 3] as IndexEvent['kind'];
  return {
    index,
    kind,
    at: 1_700_000_000_000 + n * 1000,
    durationMs: n + 0.25,
    items: n * 1_000_003,
    reason: kind === 'rebuild' ? `deleted passed the threshold ü 😀 #${n}` : null,
    cause: kind === 'rebuild' ? 'compaction' : null,
  };
}

const has = (b: StorageBackend) => typeof b.appendIndexEvent === 'function' && typeof b.listIndexEvents === 'function';

/**
 * Index history: the backend's own `appendIndexEvent` / `listIndexEvents` (both or neither;
 * newest first, `limit`, trimmed to `keep`, deleted with the definition, kept across a reopen),
 * and core's default (a reserved collection) on the same backend, which must work everywhere.
 */
export function indexEventTests(ctx: ConformanceContext): void {
  describe('index events', () => {
    it('has both event methods or neither', async () => {
      const b = await ctx.fresh();
      const present = (['appendIndexEvent', 'listIndexEvents'] as const).filter((m) => typeof b[m] === 'function');
      expect([0, 2], `event methods present: ${present.join(', ') || 'none'}`).toContain(present.length);
    });

    for (const [what, wrap] of [
      ['the store core uses (native, else the default)', (b: StorageBackend) => b],
      ["core's default (a reserved collection)", withoutEventMethods],
    ] as const) {
      it(`${what}: newest first, limit, per index, field by field, and they persist across a reopen`, async () => {
        const loc = await ctx.location();
        const b = wrap(await ctx.open(loc));
        await b.createCollection(spec('docs', 8, ctx.defaultMetric));
        await b.createIndexDefinition(definition('idx'));
        await b.createIndexDefinition(definition('other'));
        const h = new IndexHistory(b);
        expect(await h.list('idx')).toEqual([]);
        for (let n = 0; n < 6; n++) await h.record(event('idx', n));
        await h.record(event('other', 100));
        const newestFirst = [5, 4, 3, 2, 1, 0].map((n) => event('idx', n));
        expect(await h.list('idx')).toEqual(newestFirst);
        expect(await h.list('idx', 2), 'limit keeps the newest').toEqual(newestFirst.slice(0, 2));
        expect(await h.list('other')).toEqual([event('other', 100)]);
        expect(await h.list('nothing-here')).toEqual([]);
        await b.close();
        const again = new IndexHistory(wrap(await ctx.open(loc)));
        expect(await again.list('idx'), 'after a reopen').toEqual(newestFirst);
      });
    }

    it("core's default: forgetting a dropped index drops its events only", async () => {
      const b = withoutEventMethods(await ctx.fresh());
      await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await b.createIndexDefinition(definition('idx'));
      await b.createIndexDefinition(definition('other'));
      const h = new IndexHistory(b);
      await h.record(event('idx', 1));
      await h.record(event('other', 2));
      await b.deleteIndexDefinition('idx');
      await h.forget('idx');
      expect(await h.list('idx')).toEqual([]);
      expect(await h.list('other')).toEqual([event('other', 2)]);
    });

    it('native methods: trimmed to the newest `keep`, deleted with the definition (skipped without them)', async (t) => {
      const b = await ctx.fresh();
      if (!has(b)) return t.skip();
      const append = b.appendIndexEvent?.bind(b) as NonNullable<StorageBackend['appendIndexEvent']>;
      const list = b.listIndexEvents?.bind(b) as NonNullable<StorageBackend['listIndexEvents']>;
      await b.createCollection(spec('docs', 8, ctx.defaultMetric));
      await b.createIndexDefinition(definition('idx'));
      await b.createIndexDefinition(definition('other'));
      await append(event('other', 50), 3);
      for (let n = 0; n < 7; n++) await append(event('idx', n), 3);
      expect(await list('idx', 100), 'only the newest 3 kept').toEqual([6, 5, 4].map((n) => event('idx', n)));
      expect(await list('other', 100), "another index's events are not trimmed").toEqual([event('other', 50)]);
      expect(await b.deleteIndexDefinition('idx')).toBe(true);
      expect(await list('idx', 100), 'deleted with the definition').toEqual([]);
      await b.createIndexDefinition(definition('idx'));
      expect(await list('idx', 100), 'a re-created definition starts without events').toEqual([]);
      expect(await list('other', 100)).toEqual([event('other', 50)]);
    });
  });
}
