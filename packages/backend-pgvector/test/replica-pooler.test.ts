import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_PGBOUNCER, PgBouncerServer } from './pgbouncer-server.js';
import { NO_PG, Stores, item, pgUrl, spec } from './pg-env.js';
import { ReplicaServer } from './replica-server.js';

// Whether a URL goes through a pooler is found out per server: a replica behind its own
// transaction-pooling PgBouncer next to a primary reached directly, and the other way round.
// Ports from the test server's + 12 (replica) and + 14 (PgBouncers), clear of replicas.test.ts
// (+ 5) and pgbouncer.test.ts (+ 7) running at the same time.
describe.skipIf(NO_PG || !HAVE_PGBOUNCER)(
  'pgvector: the pooler detected per replica (needs VECDEX_TEST_PG_URL, pgbouncer)',
  () => {
    const base = Number(new URL(pgUrl()).port);
    let replica: ReplicaServer;
    let replicaBouncer: PgBouncerServer;
    let primaryBouncer: PgBouncerServer;
    const stores = new Stores();

    beforeAll(async () => {
      replica = await ReplicaServer.create(base + 12);
      replicaBouncer = await PgBouncerServer.start(2, replica.url, base + 14);
      primaryBouncer = await PgBouncerServer.start(2, pgUrl(), replicaBouncer.port + 1);
    }, 120_000);
    afterAll(async () => {
      await stores.cleanup();
      await primaryBouncer?.stop();
      await replicaBouncer?.stop();
      await replica?.destroy();
    });

    it('a direct primary with one replica behind PgBouncer and one reached directly: each detected, both serve reads (statementTimeoutMs set)', async () => {
      // statement_timeout is a startup parameter on direct connections; PgBouncer refuses it
      // ("unsupported startup parameter"), so a replica treated like the direct primary would
      // fail every connect and never serve a read.
      const b = await stores.open({ statementTimeoutMs: 30_000, replicas: [replicaBouncer.url, replica.url] });
      expect(b.pooler).toBe('none');
      expect(b.replicaStats()?.replicas.map((r) => r.pooler)).toEqual([null, null]);
      await b.createCollection(spec('docs', 3));
      for (let i = 0; i < 6; i++) {
        await b.upsert('docs', [item(`w${i}`, [i, 1, 1])]);
        await replica.caughtUp();
        // Every read right after the write sees it, whichever replica (or the primary) answers.
        const [hit] = await b.searchExact({ collections: ['docs'], vector: Float32Array.from([i, 1, 1]), k: 1, metric: 'l2' });
        expect(hit?.id).toBe(`w${i}`);
        expect(await b.count('docs')).toBe(i + 1);
      }
      const stats = b.replicaStats();
      expect(stats?.replicas.map((r) => [r.server, r.pooler])).toEqual([
        [`127.0.0.1:${replicaBouncer.port}/${new URL(pgUrl()).pathname.slice(1)}`, 'transaction'],
        [`127.0.0.1:${replica.port}/${new URL(pgUrl()).pathname.slice(1)}`, 'none'],
      ]);
      for (const r of stats?.replicas ?? []) {
        expect(r.lastError).toBeNull();
        expect(r.served).toBeGreaterThan(0);
      }
    });

    it('a primary behind PgBouncer with a replica reached directly: the replica is not treated as pooled', async () => {
      const b = await stores.open({ connectionString: primaryBouncer.url, statementTimeoutMs: 30_000, replicas: [replica.url] });
      expect(b.pooler).toBe('transaction');
      await b.createCollection(spec('docs', 3));
      await b.upsert('docs', [item('a', [1, 2, 3])]);
      await replica.caughtUp();
      expect((await b.get('docs', ['a'])).map((x) => x.id)).toEqual(['a']);
      expect(b.replicaStats()?.replicas.map((r) => [r.pooler, r.served])).toEqual([['none', 1]]);
    });

    it('a replica that is down at open: the backend opens, and the replica is detected once it is up', async () => {
      await replica.stop('fast');
      try {
        const b = await stores.open({ replicas: [replica.url], replicaRetryMs: 0 });
        await b.createCollection(spec('docs', 3));
        await b.upsert('docs', [item('a', [1, 2, 3])]);
        expect(await b.count('docs')).toBe(1);
        expect(b.replicaStats()?.replicas[0]).toMatchObject({ pooler: null, served: 0, state: 'up' });
        expect(b.replicaStats()?.replicas[0]?.skippedBy.down).toBe(1);
        await replica.start();
        await replica.caughtUp(30_000);
        expect(await b.count('docs')).toBe(1);
        expect(b.replicaStats()?.replicas[0]).toMatchObject({ pooler: 'none', served: 1 });
      } finally {
        if ((await replica.sql('SELECT 1 AS x').catch(() => null)) === null) await replica.start();
      }
    });
  },
);
