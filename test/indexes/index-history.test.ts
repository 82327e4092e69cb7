import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pgvector, { type PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec, { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
import { HISTORY_COLLECTION, type StorageBackend, type Vecdex, openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, describe, expect, it } from 'vitest';

const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}

/** The sqlite backend with its event table hidden: core keeps the history in a reserved collection. */
function withoutEventTable(backend: StorageBackend): StorageBackend {
  return new Proxy(backend, {
    get(target, key) {
      if (key === 'appendIndexEvent' || key === 'listIndexEvents') return undefined;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Setup {
  name: string;
  skip: boolean;
  open(dir: string, schema: string): Promise<Vecdex>;
  cleanup?(vx: Vecdex, schema: string): Promise<void>;
}

const SETUPS: Setup[] = [
  {
    name: 'sqlite-vec (its vecdex_index_events table)',
    skip: false,
    open: (dir) =>
      openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
          plugins: [hnswlib],
          dataDir: path.join(dir, 'data'),
        },
        cwd: dir,
        env: {},
      }),
  },
  {
    name: 'pgvector (its index_events table)',
    skip: PG_URL === undefined,
    open: (dir, schema) =>
      openVecdex({
        config: {
          backend: { use: pgvector, options: { connectionString: PG_URL, schema, catalogCache: false } },
          plugins: [hnswlib],
          dataDir: path.join(dir, 'data'),
        },
        cwd: dir,
        env: {},
      }),
    cleanup: async (vx, schema) => {
      await (vx.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  },
  {
    name: 'a backend without an event table (core default: a reserved collection)',
    skip: false,
    open: async (dir) =>
      openVecdex({
        config: { plugins: [hnswlib], dataDir: path.join(dir, 'data') },
        backend: withoutEventTable(await createSqliteVecBackend({ path: path.join(dir, 'store.db') })),
        cwd: dir,
        env: {},
      }),
  },
];

const DIMS = 4;
const vec = (i: number) => [Math.sin(i), Math.cos(i * 0.7), (i % 13) / 13, 1];
const items = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({ id: `d${from + k}`, vector: vec(from + k) }));

for (const setup of SETUPS) {
  describe.skipIf(setup.skip)(`index history on ${setup.name}`, () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it('records builds, syncs and automatic rebuilds with their cause, in the store, for every process', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-history-'));
      dirs.push(dir);
      const schema = `vdx_hist_${process.pid}_${Date.now().toString(36)}`;
      let vx = await setup.open(dir, schema);
      try {
        await vx.collections.create({ name: 'docs', dimensions: DIMS, metric: 'l2' });
        const docs = vx.collection('docs');
        await docs.upsert(items(0, 2000));
        await vx.indexes.create({ name: 'h', plugin: 'hnswlib', collections: ['docs'] });
        await vx.indexes.build('h');
        // A search with pending changes syncs first: a sync event.
        await docs.upsert(items(2000, 2010));
        await vx.search({ index: 'h', vector: vec(3), k: 3 });
        // More changes pending than half the indexed items: a rebuild instead of a sync.
        await docs.upsert(items(2010, 3300));
        await vx.indexes.sync('h');
        // Deletes past hnswlib's compaction threshold (10%): applied, then rebuilt.
        await docs.delete(items(0, 400).map((x) => x.id));
        await vx.indexes.sync('h');
        // A sync with nothing to apply records nothing.
        await vx.indexes.sync('h');
        await vx.close();

        // Damage the index file: the next process finds it failing verification and rebuilds it.
        const indexDir = path.join(dir, 'data', 'indexes', 'h');
        const file = path.join(indexDir, (await readdir(indexDir)).find((f) => /^index\.\d+\.hnsw$/.test(f)) as string);
        const bytes = await readFile(file);
        bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
        await writeFile(file, bytes);
        vx = await setup.open(dir, schema);
        const status = await vx.indexes.status('h');

        const events = await vx.indexes.history('h');
        expect(events.map((e) => [e.kind, e.cause])).toEqual([
          ['rebuild', 'damaged-files'],
          ['rebuild', 'compaction'],
          ['rebuild', 'pending-fraction'],
          ['sync', null],
          ['build', null],
        ]);
        const [damaged, compaction, pending, sync, build] = events;
        expect(build).toMatchObject({ index: 'h', items: 2000, reason: null });
        expect(sync).toMatchObject({ items: 10 });
        expect(pending?.reason).toMatch(/1290 pending changes exceed 50% of the 2010 indexed items/);
        expect(pending?.items).toBe(3300);
        expect(compaction?.items).toBe(2900);
        expect(damaged?.reason).toMatch(/failed verification \(.*checksum/);
        for (const e of events) {
          expect(e.durationMs).toBeGreaterThan(0);
          expect(e.at).toBeGreaterThan(Date.now() - 600_000);
        }
        for (let i = 1; i < events.length; i++)
          expect((events[i - 1] as { at: number }).at).toBeGreaterThanOrEqual((events[i] as { at: number }).at);
        expect(status.history).toMatchObject({
          events: 5,
          rebuilds: 3,
          byCause: { 'damaged-files': 1, compaction: 1, 'pending-fraction': 1 },
        });
        expect(status.history.recent).toHaveLength(5);
        expect(await vx.indexes.history('h', { limit: 2 })).toEqual(events.slice(0, 2));
        await expect(vx.indexes.history('h', { limit: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

        // Dropping the index forgets its history; a new index of that name starts clean.
        await vx.indexes.drop('h');
        await vx.indexes.create({ name: 'h', plugin: 'hnswlib', collections: ['docs'] });
        expect(await vx.indexes.history('h')).toEqual([]);
        if (setup.name.startsWith('a backend without')) {
          expect((await vx.backend.getCollection(HISTORY_COLLECTION))?.name).toBe(HISTORY_COLLECTION);
          expect((await vx.collections.list()).map((c) => c.name)).toEqual(['docs']); // reserved: not listed
        }
      } finally {
        await setup.cleanup?.(vx, schema);
        await vx.close();
      }
    }, 60_000);

    it.skipIf(setup.name.startsWith('a backend without'))(
      'the backend keeps only the newest `keep` events of each index',
      async () => {
        const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-history-'));
        dirs.push(dir);
        const schema = `vdx_hist_keep_${process.pid}_${Date.now().toString(36)}`;
        const vx = await setup.open(dir, schema);
        try {
          await vx.collections.create({ name: 'docs', dimensions: DIMS, metric: 'l2' });
          await vx.indexes.create({ name: 'a', plugin: 'hnswlib', collections: ['docs'] });
          await vx.indexes.create({ name: 'b', plugin: 'hnswlib', collections: ['docs'] });
          const b = vx.backend as Required<Pick<StorageBackend, 'appendIndexEvent' | 'listIndexEvents'>>;
          for (let i = 0; i < 8; i++) {
            for (const index of ['a', 'b']) {
              await b.appendIndexEvent(
                { index, kind: 'sync', at: 1000 + i, durationMs: 1.5, items: i, reason: null, cause: null },
                5,
              );
            }
          }
          expect((await b.listIndexEvents('a', 100)).map((e) => e.items)).toEqual([7, 6, 5, 4, 3]);
          expect((await b.listIndexEvents('b', 2)).map((e) => e.items)).toEqual([7, 6]);
          await expect(
            b.appendIndexEvent({ index: 'nope', kind: 'build', at: 1, durationMs: 1, items: 0, reason: null, cause: null }, 5),
          ).rejects.toMatchObject({ code: 'UNKNOWN_INDEX' });
        } finally {
          await setup.cleanup?.(vx, schema);
          await vx.close();
        }
      },
    );
  });
}
