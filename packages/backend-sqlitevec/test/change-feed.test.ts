import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, ChangeCursor } from '@vecdex/core';
import { createSqliteVecBackend, type SqliteVecBackend } from '../src/index.js';
import { codeOf, item, makeTempDir, openStore, removeDir, rng, spec } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** Read the feed to its end in batches of `limit`; returns the changes and the final cursor. */
async function readAll(b: SqliteVecBackend, collections: string[], after: ChangeCursor | null = null, limit = 3) {
  const changes: Change[] = [];
  let cursor = after;
  for (let guard = 0; guard < 10_000; guard++) {
    const batch = await b.readChanges({ collections, after: cursor, limit, vectors: false });
    expect(batch.changes.length).toBeLessThanOrEqual(limit);
    changes.push(...batch.changes);
    cursor = batch.cursor;
    if (batch.done) return { changes, cursor };
  }
  throw new Error('feed never reported done');
}

const key = (c: Change) => `${c.collection}/${c.id}:${c.op}`;

describe('change feed', () => {
  it('starts empty', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('a', 2));
    expect(await b.headCursor()).toBeNull();
    expect(await b.readChanges({ collections: ['a'], after: null, limit: 5 })).toEqual({ changes: [], cursor: null, done: true });
    expect(await b.countChanges(['a'], null)).toBe(0);
    await b.close();
  });

  it('lists the latest write of every item once, in commit order, across collections', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('a', 2));
    await b.createCollection(spec('b', 2));
    await b.createCollection(spec('other', 2));
    await b.upsert('a', [item('1', [1, 1]), item('2', [2, 2])]);
    await b.upsert('b', [item('1', [1, 1])]);
    await b.upsert('other', [item('x', [1, 1])]);
    await b.upsert('a', [item('1', [1, 2], { v: 2 })]); // moves a/1 to the end
    await b.delete('b', ['1', 'missing']); // tombstone for b/1 only
    await b.upsert('a', [item('3', [3, 3])]);

    const { changes, cursor } = await readAll(b, ['a', 'b']);
    expect(changes.map(key)).toEqual(['a/2:upsert', 'a/1:upsert', 'b/1:delete', 'a/3:upsert']);
    expect(changes[1]).toMatchObject({ op: 'upsert', item: { id: '1', metadata: { v: 2 } } });
    expect(changes[1]).not.toHaveProperty('item.vector');
    expect(changes[2]).not.toHaveProperty('item');
    expect(cursor).toBe(await b.headCursor());
    expect(await b.countChanges(['a', 'b'], null)).toBe(4);
    expect(await b.countChanges(['other'], null)).toBe(1);

    const withVectors = await b.readChanges({ collections: ['a'], after: null, limit: 10 });
    expect(withVectors.changes[1]).toMatchObject({ item: { vector: new Float32Array([1, 2]) } });

    // Continue from the cursor: only what came after.
    await b.upsert('a', [item('2', [9, 9])]);
    await b.upsert('other', [item('y', [1, 1])]);
    const more = await readAll(b, ['a', 'b'], cursor);
    expect(more.changes.map(key)).toEqual(['a/2:upsert']);
    expect(more.cursor).toBe(await b.headCursor());
    expect(await b.countChanges(['a', 'b'], cursor)).toBe(1);
    const nothing = await b.readChanges({ collections: ['a'], after: more.cursor, limit: 5 });
    expect(nothing).toEqual({ changes: [], cursor: more.cursor, done: true });
    await b.close();
  });

  it('reports done only at the end, and a full last batch is still done', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('a', 2));
    await b.upsert('a', [item('1', [1, 1]), item('2', [1, 1]), item('3', [1, 1]), item('4', [1, 1])]);
    const first = await b.readChanges({ collections: ['a'], after: null, limit: 2 });
    expect(first.done).toBe(false);
    const second = await b.readChanges({ collections: ['a'], after: first.cursor, limit: 2 });
    expect(second.done).toBe(true);
    expect(second.changes.map((c) => c.id)).toEqual(['3', '4']);
    await b.close();
  });

  it('never skips or repeats a change when writes share a timestamp or the clock steps back an hour', async () => {
    let now = 1_700_000_000_000;
    const b = await openStore(dir, { clock: () => now });
    await b.createCollection(spec('a', 2));
    const r = rng(9);
    // Model of the feed: the latest write of each item, and the step the reader has read up to.
    const latest = new Map<string, { step: number; op: 'upsert' | 'delete' }>();
    let readUpTo = -1;
    let cursor: ChangeCursor | null = null;
    const seen: Change[] = [];
    const readAndCheck = async (step: number) => {
      const part = await readAll(b, ['a'], cursor, 2);
      const want = [...latest]
        .filter(([, w]) => w.step > readUpTo)
        .sort((x, y) => x[1].step - y[1].step)
        .map(([id, w]) => `a/${id}:${w.op}`);
      expect(part.changes.map(key)).toEqual(want);
      for (const c of part.changes) if (c.op === 'upsert') expect(c.item.metadata).toEqual({ step: latest.get(c.id)?.step });
      seen.push(...part.changes);
      cursor = part.cursor;
      readUpTo = step;
    };
    for (let step = 0; step < 80; step++) {
      if (step === 30) now -= 3_600_000; // the clock jumps back an hour
      if (step % 7 === 0) now += 1; // otherwise many writes share one timestamp
      const id = String(Math.floor(r() * 15));
      if (r() < 0.2) {
        if ((await b.delete('a', [id])) === 1) latest.set(id, { step, op: 'delete' });
      } else {
        await b.upsert('a', [item(id, [step, 1], { step })]);
        latest.set(id, { step, op: 'upsert' });
      }
      if (step % 9 === 0) await readAndCheck(step);
    }
    await readAndCheck(80);
    // Every item's last write was delivered; modified never went down along the feed.
    expect(new Set(seen.map((c) => c.id))).toEqual(new Set(latest.keys()));
    for (let i = 1; i < seen.length; i++)
      expect((seen[i] as Change).modified).toBeGreaterThanOrEqual((seen[i - 1] as Change).modified);
    const full = (await readAll(b, ['a'], null, 5)).changes;
    expect(full).toHaveLength(latest.size);
    for (let i = 1; i < full.length; i++)
      expect((full[i] as Change).modified).toBeGreaterThanOrEqual((full[i - 1] as Change).modified);
    await b.close();
  });

  it('keeps modified from going backwards when the clock does', async () => {
    let now = 10_000_000;
    const b = await openStore(dir, { clock: () => now });
    await b.createCollection(spec('a', 2));
    await b.upsert('a', [item('early', [1, 1])]);
    now -= 3_600_000;
    await b.upsert('a', [item('late', [1, 1])]);
    const [early, late] = await b.get('a', ['early', 'late']);
    expect(late?.modified).toBe(early?.modified);
    now += 7_200_000;
    await b.upsert('a', [item('later', [1, 1])]);
    expect((await b.get('a', ['later']))[0]?.modified).toBe(now);
    const { changes } = await readAll(b, ['a']);
    expect(changes.map((c) => c.id)).toEqual(['early', 'late', 'later']);
    await b.close();
  });

  it('refuses unknown collections and foreign cursors', async () => {
    const b = await openStore(dir);
    await b.createCollection(spec('a', 2));
    expect(await codeOf(b.readChanges({ collections: ['a', 'nope'], after: null, limit: 5 }))).toBe('UNKNOWN_COLLECTION');
    expect(await codeOf(b.countChanges(['nope'], null))).toBe('UNKNOWN_COLLECTION');
    expect(await codeOf(b.readChanges({ collections: ['a'], after: 'abc', limit: 5 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(b.readChanges({ collections: ['a'], after: null, limit: 0 }))).toBe('INVALID_ARGUMENT');
    await b.close();
  });
});

describe('two connections to one file', () => {
  it('each sees what the other committed, and the feed interleaves both writers in commit order', async () => {
    const first = await openStore(dir);
    const second = await createSqliteVecBackend({ path: first.path });
    await first.createCollection(spec('shared', 2));
    expect((await second.getCollection('shared'))?.dimensions).toBe(2);

    await first.upsert('shared', [item('f1', [1, 1])]);
    expect((await second.get('shared', ['f1']))[0]?.vector).toEqual(new Float32Array([1, 1]));
    const start = await second.readChanges({ collections: ['shared'], after: null, limit: 10 });
    expect(start.changes.map((c) => c.id)).toEqual(['f1']);

    await second.upsert('shared', [item('s1', [2, 2])]);
    await first.upsert('shared', [item('f2', [3, 3])]);
    await second.delete('shared', ['f1']);
    for (const reader of [first, second]) {
      const rest = await readAll(reader, ['shared'], start.cursor, 2);
      expect(rest.changes.map(key)).toEqual(['shared/s1:upsert', 'shared/f2:upsert', 'shared/f1:delete']);
    }
    expect(await first.count('shared')).toBe(2);
    await second.close();
    await first.close();
  });
});
