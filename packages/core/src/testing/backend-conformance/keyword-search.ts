import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../contracts/storage-backend.js';
import { filterPredicate } from '../../filter/filter-predicate.js';
import { parseFilter } from '../../filter/parse-filter.js';
import type { NormalizedItem } from '../../model/item.js';
import type { KeywordHit, KeywordSearchRequest } from '../../model/search.js';
import { type ConformanceContext, spec } from '../context.js';
import { Random } from '../random.js';

const DIMS = 4;

/**
 * User text that is query syntax in some engine (FTS5, tsquery, Lucene): a backend must treat
 * all of it as plain words, never fail on it.
 */
export const HOSTILE_QUERIES: readonly string[] = [
  '"',
  '""',
  '"apple',
  "'apple'",
  'apple AND',
  'AND OR NOT',
  'apple NOT',
  'NEAR(apple pear)',
  'NEAR(apple pear, 2)',
  '*',
  'apple*',
  '^apple',
  '-apple',
  '+apple',
  'content:apple',
  '{content}: apple',
  'vecdex_items:apple',
  'a:b:c',
  '(apple',
  'apple)',
  '()',
  '[apple]',
  'apple & pear | !banana',
  'apple <-> pear',
  'apple:*',
  '\\',
  "'; DROP TABLE vecdex_items; --",
  '',
  '   ',
  '\u0000apple',
  '\t\n',
  '😀',
  'Ωmega ümlaut',
  'apple '.repeat(2000),
];

/** `StorageBackend.searchKeyword` (only run when the backend declares `capabilities.fullText`). */
export function keywordSearchTests(ctx: ConformanceContext): void {
  describe('keyword search', () => {
    // Opens a fresh store; skips the test (visibly) when the backend has no full text.
    const open = async (t: { skip: (note?: string) => void }): Promise<StorageBackend> => {
      const b = await ctx.fresh();
      if (b.capabilities.fullText !== true || typeof b.searchKeyword !== 'function') {
        t.skip(`${ctx.options.name} declares no full-text search (capabilities.fullText)`);
      }
      await b.createCollection(spec('t', DIMS, ctx.defaultMetric));
      return b;
    };
    const rng = new Random(601);
    const item = (id: string, content: string | null, metadata: NormalizedItem['metadata'] = null): NormalizedItem => ({
      id,
      vector: rng.vector(DIMS),
      content,
      metadata,
    });
    const search = (b: StorageBackend, query: string, more: Partial<KeywordSearchRequest> = {}): Promise<KeywordHit[]> =>
      (b.searchKeyword as NonNullable<StorageBackend['searchKeyword']>)({ collections: ['t'], query, k: 50, ...more });
    const ids = (hits: KeywordHit[]): string[] => hits.map((h) => h.id).sort();

    it('follows upserts, content changes, deletes and collection drops', async (t) => {
      const b = await open(t);
      await b.upsert('t', [
        item('a', 'a red apple on the table'),
        item('b', 'apple pie with cream'),
        item('c', 'a yellow banana'),
        item('d', null),
        item('e', ''),
      ]);
      expect(ids(await search(b, 'apple'))).toEqual(['a', 'b']);
      expect(ids(await search(b, 'APPLE'))).toEqual(['a', 'b']);
      await b.upsert('t', [item('a', 'now about a banana')]);
      expect(ids(await search(b, 'apple')), 'old content is gone').toEqual(['b']);
      expect(ids(await search(b, 'banana'))).toEqual(['a', 'c']);
      await b.upsert('t', [item('d', 'apple at last'), item('c', null)]);
      expect(ids(await search(b, 'apple'))).toEqual(['b', 'd']);
      expect(ids(await search(b, 'banana')), 'content set to null is unsearchable').toEqual(['a']);
      expect(await b.delete('t', ['b']), 'delete').toBe(1);
      expect(ids(await search(b, 'apple'))).toEqual(['d']);
      expect(ids(await search(b, 'pie cream'))).toEqual([]);
      // A refused batch leaves the text index as it was (atomic with the items).
      const bad = { id: 'x', vector: new Float32Array(DIMS + 1), content: 'apple apple', metadata: null };
      await expect(b.upsert('t', [item('y', 'apple'), bad])).rejects.toThrow();
      expect(ids(await search(b, 'apple'))).toEqual(['d']);
      // A dropped and re-created collection starts empty.
      await b.deleteCollection('t');
      await b.createCollection(spec('t', DIMS, ctx.defaultMetric));
      expect(await search(b, 'apple banana')).toEqual([]);
    });

    it('applies the filter and returns every match up to k, with fields when asked', async (t) => {
      const b = await open(t);
      const items: NormalizedItem[] = [];
      for (let n = 0; n < 120; n++) {
        const words = ['common', n % 3 === 0 ? 'fizz' : 'plain', n % 5 === 0 ? 'buzz' : 'word'];
        items.push(
          item(
            `i${n}`,
            words.join(' '),
            n % 10 === 9 ? null : { n, group: ['a', 'b', 'c'][n % 3] as string, nested: { odd: n % 2 === 1 } },
          ),
        );
      }
      await b.upsert('t', items);
      const cases = [
        { group: 'a' },
        { 'nested.odd': true },
        { n: { $lt: 30 } },
        { group: { $ne: 'b' } },
        { missing: { $exists: true } },
      ];
      for (const f of cases) {
        const node = parseFilter(f);
        const match = filterPredicate(node);
        const want = items.filter((it) => (it.content ?? '').includes('fizz') && match(it.metadata)).map((it) => it.id);
        const hits = await search(b, 'fizz', { filter: node, k: 1000 });
        expect(ids(hits), `filter ${JSON.stringify(f)}`).toEqual([...want].sort());
        const few = await search(b, 'fizz', { filter: node, k: 3 });
        expect(few.length, `k = 3 with ${JSON.stringify(f)}`).toBe(Math.min(3, want.length));
      }
      const [hit] = await search(b, 'buzz', { k: 1, include: { metadata: true, content: true }, filter: parseFilter({ n: 10 }) });
      expect(hit).toMatchObject({ collection: 't', id: 'i10', metadata: { n: 10, group: 'b' }, content: 'common plain buzz' });
      expect(typeof hit?.score).toBe('number');
    });

    it('never fails on text that is query syntax elsewhere, and reads it as plain words', async (t) => {
      const b = await open(t);
      await b.upsert('t', [
        item('a', 'apple pear'),
        item('b', 'banana and content'),
        item('c', 'near the table, not here'),
        item('q', 'she said "apple" twice'),
      ]);
      for (const q of HOSTILE_QUERIES) {
        const hits = await search(b, q);
        expect(Array.isArray(hits), `query ${JSON.stringify(q.slice(0, 40))}`).toBe(true);
        for (const h of hits) expect(['a', 'b', 'c', 'q']).toContain(h.id);
      }
      expect(ids(await search(b, 'content:apple')), 'a column filter is two words').toEqual(['a', 'b', 'q']);
      // Stop words ("and", "not", "the") may be dropped by a backend's text configuration, so
      // these check what every backend must find, not the exact set.
      expect(ids(await search(b, 'NEAR(apple pear)'))).toEqual(expect.arrayContaining(['a', 'q']));
      expect(ids(await search(b, '"apple'))).toEqual(['a', 'q']);
      expect(ids(await search(b, 'banana AND NOT apple')), 'NOT excludes nothing: it is a word').toEqual(
        expect.arrayContaining(['a', 'b', 'q']),
      );
      expect(await search(b, '*'), 'no words, no hits').toEqual([]);
      expect(await search(b, ''), 'no words, no hits').toEqual([]);
    });

    it('ranks better matches first, by descending score, merged across collections', async (t) => {
      const b = await open(t);
      await b.createCollection(spec('u', DIMS, ctx.defaultMetric));
      const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor';
      await b.upsert('t', [
        item('both', 'zebra quokka'),
        item('one-short', 'zebra'),
        item('one-long', `zebra ${filler} ${filler}`),
        item('none', filler),
      ]);
      await b.upsert('u', [item('u-both', 'zebra quokka zebra'), item('u-none', 'nothing here')]);
      const hits = await search(b, 'zebra quokka');
      expect(ids(hits)).toEqual(['both', 'one-long', 'one-short']);
      const order = hits.map((h) => h.id);
      // Both query words beat one (bm25, ts_rank alike); length normalisation is the backend's choice.
      expect(order[0]).toBe('both');
      for (let i = 1; i < hits.length; i++)
        expect((hits[i - 1] as KeywordHit).score).toBeGreaterThanOrEqual((hits[i] as KeywordHit).score);
      const merged = await (b.searchKeyword as NonNullable<StorageBackend['searchKeyword']>)({
        collections: ['t', 'u'],
        query: 'quokka',
        k: 10,
      });
      expect(merged.map((h) => `${h.collection}/${h.id}`).sort()).toEqual(['t/both', 'u/u-both']);
      const top1 = await search(b, 'zebra', { k: 1 });
      expect(top1.length).toBe(1);
    });
  });
}
