import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeCursor, StorageBackend, StoredItem } from '@vecdex/core';
import type pg from 'pg';
import type { InsertPath } from '../src/index.js';
import { NO_PG, Stores, freshAppName, freshSchema, item, randomVector, rng, spec, withAdmin } from './pg-env.js';

const DIMS = 4;

/** A reader that follows the feed and keeps the latest state of every item it was told about. */
class Follower {
  readonly state = new Map<string, StoredItem>();
  cursor: ChangeCursor | null = null;
  reads = 0;

  constructor(
    private readonly b: StorageBackend,
    private readonly collection: string,
  ) {}

  /** One batch; true when it reached the end of what is committed now. */
  async step(limit: number): Promise<boolean> {
    const batch = await this.b.readChanges({ collections: [this.collection], after: this.cursor, limit });
    this.reads++;
    for (const c of batch.changes) {
      if (c.op === 'delete') this.state.delete(c.id);
      else this.state.set(c.id, c.item);
    }
    this.cursor = batch.cursor;
    return batch.done;
  }

  async drain(): Promise<void> {
    while (!(await this.step(50)));
  }
}

/**
 * Start a write and return once it waits on a row lock that `admin` holds: its transaction
 * already has its id, and will commit after whatever commits meanwhile.
 */
async function startBlocked(admin: pg.Client, app: string, run: () => Promise<void>): Promise<{ done: Promise<void> }> {
  const done = run();
  for (let i = 0; i < 300; i++) {
    const waiting = await admin.query(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND datname = current_database()`,
      [app],
    );
    if (waiting.rows.length > 0) return { done };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the write of ${app} never blocked on the row lock`);
}

async function contents(b: StorageBackend, collection: string): Promise<Map<string, StoredItem>> {
  const out = new Map<string, StoredItem>();
  for await (const page of b.scan(collection, { batchSize: 100 })) for (const it of page) out.set(it.id, it);
  return out;
}

function expectSameContents(got: Map<string, StoredItem>, want: Map<string, StoredItem>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [id, w] of want) {
    const g = got.get(id) as StoredItem;
    expect({ id, vector: Array.from(g.vector ?? []), metadata: g.metadata, content: g.content }).toEqual({
      id,
      vector: Array.from(w.vector ?? []),
      metadata: w.metadata,
      content: w.content,
    });
  }
}

describe.skipIf(NO_PG)('change feed under concurrent writers (PostgreSQL)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  it('a transaction that commits after later ones is not skipped by a reader that moved on', async () => {
    const schema = freshSchema('late');
    const appA = freshAppName();
    const writerA = await stores.open({ schema, applicationName: appA });
    const writerB = await stores.open({ schema });
    const reader = await stores.open({ schema });
    await writerA.createCollection(spec('c', DIMS));
    await writerA.upsert('c', [item('locked', [1, 1, 1, 1])]);
    const follower = new Follower(reader, 'c');
    await follower.drain();
    expect([...follower.state.keys()]).toEqual(['locked']);

    const { table } = await writerA.collectionTable('c');
    await withAdmin(async (admin) => {
      // Block writer A inside its transaction (it already has its transaction id) ...
      await admin.query('BEGIN');
      await admin.query(`SELECT id FROM ${table} WHERE id = 'locked' FOR UPDATE`);
      const slow = await startBlocked(admin, appA, () =>
        writerA.upsert('c', [item('a-early', [2, 2, 2, 2]), item('locked', [3, 3, 3, 3])]),
      );
      // ... while writer B commits several later transactions, and the reader keeps reading.
      for (let i = 0; i < 5; i++) {
        await writerB.upsert('c', [item(`b${i}`, [i, 0, 0, 1])]);
        await follower.drain();
      }
      expect(follower.state.has('a-early'), 'A has not committed yet').toBe(false);
      // A cursor that encoded "after B's changes" would now skip A; this one must not.
      await admin.query('ROLLBACK');
      await slow.done;
    });
    await follower.drain();
    expect(follower.state.has('a-early'), 'the late commit is seen').toBe(true);
    expect(Array.from(follower.state.get('locked')?.vector ?? [])).toEqual([3, 3, 3, 3]);
    expectSameContents(follower.state, await contents(reader, 'c'));
  });

  it('headCursor, then a scan, then the feed from that cursor rebuild the store while writers run (an index build)', async () => {
    const schema = freshSchema('head');
    const appA = freshAppName();
    const writerA = await stores.open({ schema, applicationName: appA });
    const writers = await Promise.all(Array.from({ length: 3 }, () => stores.open({ schema, maxConnections: 2 })));
    const reader = await stores.open({ schema });
    await reader.createCollection(spec('c', DIMS));
    await writerA.upsert('c', [item('locked', [1, 1, 1, 1])]);
    const { table } = await writerA.collectionTable('c');
    let version = 0;
    const write = async (w: StorageBackend, wi: number, ops: number) => {
      const r = rng(2000 + wi * 31 + ops);
      for (let op = 0; op < ops; op++) {
        const ids = [...new Set(Array.from({ length: 1 + Math.floor(r() * 6) }, () => `k${Math.floor(r() * 40)}`))];
        if (r() < 0.3) await w.delete('c', ids);
        else
          await w.upsert(
            'c',
            ids.map((id) => item(id, randomVector(r, DIMS), { v: ++version }, `v${version}`)),
          );
      }
    };
    const follower = new Follower(reader, 'c');
    await withAdmin(async (admin) => {
      // Writer A is inside its transaction (blocked on a row lock) when the build starts ...
      await admin.query('BEGIN');
      await admin.query(`SELECT id FROM ${table} WHERE id = 'locked' FOR UPDATE`);
      const a = await startBlocked(admin, appA, () =>
        writerA.upsert('c', [item('a-late', [2, 2, 2, 2]), item('locked', [3, 3, 3, 3])]),
      );
      const running = Promise.all(writers.map((w, wi) => write(w, wi, 60)));
      await new Promise((r) => setTimeout(r, 30));
      // ... the build: a cursor first, then a full scan (which cannot see A), then catch up.
      follower.cursor = await reader.headCursor();
      for await (const page of reader.scan('c', { batchSize: 7 })) for (const it of page) follower.state.set(it.id, it);
      expect(follower.state.has('a-late')).toBe(false);
      while (!(await follower.step(5)));
      await admin.query('ROLLBACK');
      await a.done;
      await running;
    });
    await follower.drain();
    expect(follower.state.has('a-late'), 'A committed after the cursor was taken, and is caught up').toBe(true);
    expectSameContents(follower.state, await contents(reader, 'c'));
  });

  for (const insertPath of ['copy', 'insert'] as InsertPath[]) {
    it(`several writers on separate connections (${insertPath}), random upserts and deletes over overlapping ids: the follower ends with exactly the store`, async () => {
      const schema = freshSchema('conc');
      const writers = await Promise.all(Array.from({ length: 4 }, () => stores.open({ schema, insertPath, maxConnections: 2 })));
      const reader = await stores.open({ schema });
      await reader.createCollection(spec('c', DIMS));
      const follower = new Follower(reader, 'c');
      let writing = true;
      const following = (async () => {
        while (writing) {
          await follower.step(1 + Math.floor(Math.random() * 20));
        }
      })();
      let version = 0;
      await Promise.all(
        writers.map(async (w, wi) => {
          const r = rng(1000 + wi);
          for (let op = 0; op < 40; op++) {
            const n = 1 + Math.floor(r() * 8);
            const ids = [...new Set(Array.from({ length: n }, () => `k${Math.floor(r() * 30)}`))];
            if (r() < 0.3) {
              await w.delete('c', ids);
            } else {
              await w.upsert(
                'c',
                ids.map((id) => item(id, randomVector(r, DIMS), { writer: wi, v: ++version }, `w${wi} v${version}`)),
              );
            }
          }
        }),
      );
      writing = false;
      await following;
      await follower.drain();
      expect(follower.reads).toBeGreaterThan(5);
      expectSameContents(follower.state, await contents(reader, 'c'));
      expect(await reader.countChanges(['c'], follower.cursor)).toBe(0);
    });
  }
});
