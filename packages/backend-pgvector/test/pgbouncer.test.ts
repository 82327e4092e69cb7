import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVecdex } from '@vecdex/core';
import { createPgVectorBackend } from '../src/index.js';
import { HAVE_PGBOUNCER, PgBouncerServer } from './pgbouncer-server.js';
import { NO_PG, Stores, codeOf, dropSchema, freshSchema, item, pgUrl, randomVector, rng, spec, withAdmin } from './pg-env.js';

// What a transaction-pooling PgBouncer takes away (session SET, LISTEN, temporary tables kept
// between transactions, startup parameters), and that vecdex detects it and works without.
describe.skipIf(NO_PG || !HAVE_PGBOUNCER)(
  'pgvector behind PgBouncer in transaction pooling mode (needs VECDEX_TEST_PG_URL, pgbouncer)',
  () => {
    let bouncer: PgBouncerServer;
    const stores = new Stores();
    beforeAll(async () => {
      bouncer = await PgBouncerServer.start(5);
    });
    afterAll(async () => {
      await stores.cleanup();
      await bouncer?.stop();
    });

    it('detects the pooler (and a direct connection as none), and turns the LISTEN catalog cache off', async () => {
      const direct = await stores.open();
      expect(direct.pooler).toBe('none');
      const pooled = await stores.open({ connectionString: bouncer.url });
      expect(pooled.pooler).toBe('transaction');
      await pooled.createCollection(spec('docs', 3));
      await pooled.getCollection('docs');
      expect(pooled.catalogCacheListening).toBe(false);
    });

    it('sees another instance drop and re-create a collection at once (no stale cached definition)', async () => {
      const schema = freshSchema('pgbcat');
      const a = await stores.open({ connectionString: bouncer.url, schema });
      const b = await stores.open({ connectionString: bouncer.url, schema });
      await a.createCollection(spec('docs', 3));
      expect((await a.getCollection('docs'))?.dimensions).toBe(3);
      await b.deleteCollection('docs');
      await b.createCollection(spec('docs', 5));
      expect((await a.getCollection('docs'))?.dimensions).toBe(5);
      await a.upsert('docs', [item('x', [1, 2, 3, 4, 5])]);
      expect(await b.count('docs')).toBe(1);
    });

    it('COPY ingest from many instances at once, with 5 server connections shared by all of them', async () => {
      const schema = freshSchema('pgbcopy');
      const writers = await Promise.all(
        Array.from({ length: 6 }, () => stores.open({ connectionString: bouncer.url, schema, maxConnections: 3 })),
      );
      await (writers[0] as (typeof writers)[0]).createCollection(spec('docs', 4));
      const r = rng(5);
      await Promise.all(
        writers.map(async (w, wi) => {
          for (let batch = 0; batch < 8; batch++) {
            const items = Array.from({ length: 25 }, (_, i) => item(`w${wi}-b${batch}-${i}`, randomVector(r, 4)));
            await w.upsert('docs', items);
          }
        }),
      );
      expect(await (writers[0] as (typeof writers)[0]).count('docs')).toBe(6 * 8 * 25);
    });

    it('applies statementTimeoutMs per transaction (PgBouncer refuses it as a startup parameter)', async () => {
      const schema = freshSchema('pgbst');
      const b = await stores.open({ connectionString: bouncer.url, schema, statementTimeoutMs: 300 });
      await b.createCollection(spec('docs', 3));
      await b.upsert('docs', [item('a', [1, 2, 3])]);
      // A lock held elsewhere makes the write wait; the timeout ends it.
      await withAdmin(async (admin) => {
        await admin.query('BEGIN');
        await admin.query(`LOCK TABLE "${schema}".collections IN ACCESS EXCLUSIVE MODE`);
        try {
          const started = Date.now();
          expect(await codeOf(b.upsert('docs', [item('b', [1, 1, 1])]))).toBe('BACKEND_FAILURE');
          expect(Date.now() - started).toBeLessThan(5_000);
        } finally {
          await admin.query('ROLLBACK');
        }
      });
      expect(await b.count('docs')).toBe(1);
    });

    it('builds and searches a pgvector-hnsw index, and migrates a fresh schema from several instances at once', async () => {
      const schema = freshSchema('pgbnx');
      const backends = await Promise.all(
        Array.from({ length: 4 }, () => createPgVectorBackend({ connectionString: bouncer.url, schema })),
      );
      const backend = backends[0] as (typeof backends)[0];
      for (const other of backends.slice(1)) await other.close();
      const vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
      try {
        await vx.collections.create({ name: 'pts', dimensions: 8, metric: 'l2' });
        const r = rng(9);
        const c = vx.collection('pts');
        await c.upsert(Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, vector: randomVector(r, 8) })));
        await vx.indexes.create({ name: 'pts-hnsw', plugin: 'pgvector-hnsw', collections: ['pts'] });
        await vx.indexes.build('pts-hnsw');
        const q = randomVector(r, 8);
        await c.upsert([{ id: 'q', vector: q }]);
        const { hits, plan } = await c.search(q, { k: 3, index: 'pts-hnsw' });
        expect(plan.strategy).toBe('index');
        expect(hits[0]?.id).toBe('q');
      } finally {
        await vx.close();
        await dropSchema(schema);
      }
    });

    it('can be told: pooler "transaction" on a direct connection works too; a bad value is CONFIG_INVALID', async () => {
      const b = await stores.open({ connectionString: pgUrl(), pooler: 'transaction' });
      expect(b.pooler).toBe('transaction');
      await b.createCollection(spec('d', 2));
      await b.upsert('d', [item('a', [1, 2])]);
      expect(await b.count('d')).toBe(1);
      expect(await codeOf(createPgVectorBackend({ connectionString: pgUrl(), pooler: 'session' as never }))).toBe(
        'CONFIG_INVALID',
      );
    });
  },
);
