import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVecdex } from '@vecdex/core';
import { createPgVectorBackend, type PgVectorBackend } from '../src/index.js';
import { NO_PG, Stores, dropSchema, freshSchema, item, pgUrl, randomVector, rng, spec } from './pg-env.js';
import { ReplicaServer } from './replica-server.js';

const dropSchemaQuietly = (s: string) => dropSchema(s).catch(() => undefined);

// A real streaming replica of the test server (pg_basebackup -R), on loopback.
describe.skipIf(NO_PG)('pgvector read replicas with read-your-writes (needs VECDEX_TEST_PG_URL)', () => {
  let replica: ReplicaServer;
  const stores = new Stores();

  beforeAll(async () => {
    replica = await ReplicaServer.create();
  }, 120_000);
  afterAll(async () => {
    await stores.cleanup();
    await replica?.destroy();
  });

  async function openPair(options: { replicaMaxLagMs?: number; replicaRetryMs?: number } = {}) {
    const schema = freshSchema('rep');
    const b = await stores.open({ schema, replicas: [replica.url], ...options });
    await b.createCollection(spec('docs', 8));
    return { b, schema };
  }

  function nearest(b: PgVectorBackend, v: Float32Array) {
    return b.searchExact({ collections: ['docs'], vector: v, k: 1, metric: 'l2' });
  }

  it('sends searches to the replica, and every search right after a write sees the write', async () => {
    const { b } = await openPair();
    const r = rng(1);
    for (let i = 0; i < 40; i++) {
      const v = randomVector(r, 8);
      await b.upsert('docs', [item(`w${i}`, v)]);
      const [hit] = await nearest(b, v);
      expect(hit?.id).toBe(`w${i}`);
      expect((await b.get('docs', [`w${i}`]))[0]?.id).toBe(`w${i}`);
    }
    expect(await b.count('docs')).toBe(40);
    // Once the replica has replayed, reads go there again (not everything to the primary).
    await replica.caughtUp();
    const before = b.replicaStats()?.replicas[0]?.served ?? 0;
    for (let i = 0; i < 5; i++) await b.count('docs');
    const stats = b.replicaStats();
    expect(stats?.replicas[0]?.served).toBe(before + 5);
    expect(stats?.replicas[0]?.state).toBe('up');
    expect(stats?.lastWriteLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  });

  it('with replay paused, a write is read from the primary (the replica really lacks it), then from the replica once replayed', async () => {
    const { b, schema } = await openPair({ replicaMaxLagMs: 600_000 });
    const v = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    await b.upsert('docs', [
      item(
        'before',
        v.map((x) => -x),
      ),
    ]);
    await replica.caughtUp();
    await replica.sql('SELECT pg_wal_replay_pause()');
    try {
      await b.upsert('docs', [item('paused', v)]);
      // The replica itself does not have the row: a read served there would miss it.
      const [cid] = await replica.sql<{ cid: number }>(`SELECT cid FROM "${schema}".collections WHERE name = 'docs'`);
      const onReplica = await replica.sql(`SELECT id FROM "${schema}".items_${cid?.cid} WHERE id = 'paused'`);
      expect(onReplica).toEqual([]);

      const primaryBefore = b.replicaStats()?.primaryServed ?? 0;
      expect((await nearest(b, v))[0]?.id).toBe('paused');
      expect((await b.get('docs', ['paused'])).map((x) => x.id)).toEqual(['paused']);
      const stats = b.replicaStats();
      expect(stats?.primaryServed).toBe(primaryBefore + 2);
      expect(stats?.replicas[0]?.skippedBy['behind-write']).toBeGreaterThanOrEqual(2);
    } finally {
      await replica.sql('SELECT pg_wal_replay_resume()');
    }
    await replica.caughtUp();
    const served = b.replicaStats()?.replicas[0]?.served ?? 0;
    expect((await nearest(b, v))[0]?.id).toBe('paused');
    expect(b.replicaStats()?.replicas[0]?.served).toBe(served + 1);
  });

  it('skips a replica lagging past replicaMaxLagMs for another instance’s writes too', async () => {
    const { b, schema } = await openPair({ replicaMaxLagMs: 200 });
    const writer = await stores.open({ schema, catalogCache: false }); // another instance, no replicas
    await replica.caughtUp();
    await replica.sql('SELECT pg_wal_replay_pause()');
    try {
      const v = Float32Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
      await writer.upsert('docs', [item('elsewhere', v)]);
      await new Promise((r) => setTimeout(r, 1_200)); // past the lag bound and the probe interval
      expect((await nearest(b, v))[0]?.id).toBe('elsewhere');
      const s = b.replicaStats()?.replicas[0];
      expect(s?.skippedBy.lagging).toBeGreaterThanOrEqual(1);
      expect(s?.state).toBe('lagging');
      expect(s?.lagMs).toBeGreaterThan(200);
    } finally {
      await replica.sql('SELECT pg_wal_replay_resume()');
    }
  });

  it('loses no query when the replica is killed and restarted mid-run', async () => {
    const { b } = await openPair({ replicaRetryMs: 100 });
    const r = rng(7);
    const vectors = Array.from({ length: 50 }, () => randomVector(r, 8));
    await b.upsert(
      'docs',
      vectors.map((v, i) => item(`k${i}`, v)),
    );
    await replica.caughtUp();
    let answered = 0;
    let stop = false;
    const readers = [0, 1, 2].map(async (w) => {
      for (let i = w; !stop; i += 3) {
        const j = i % vectors.length;
        const [hit] = await nearest(b, vectors[j] as Float32Array);
        expect(hit?.id).toBe(`k${j}`);
        answered += 1;
      }
    });
    const chaos = (async () => {
      await new Promise((res) => setTimeout(res, 300));
      await replica.stop('immediate');
      await new Promise((res) => setTimeout(res, 500));
      await replica.start();
      await replica.caughtUp();
      await new Promise((res) => setTimeout(res, 500));
      stop = true;
    })();
    await Promise.all([chaos, ...readers]);
    const s = b.replicaStats()?.replicas[0];
    expect(answered).toBeGreaterThan(30);
    expect(s?.skippedBy.down).toBeGreaterThan(0);
    // Served again after the restart: the replica came back into rotation.
    const servedAfter = s?.served ?? 0;
    for (let i = 0; i < 3; i++) await nearest(b, vectors[i] as Float32Array);
    expect(b.replicaStats()?.replicas[0]?.served).toBe(servedAfter + 3);
  }, 60_000);

  it('runs pgvector-hnsw searches on the replica, with read-your-writes', async () => {
    const schema = freshSchema('repnx');
    const backend = await createPgVectorBackend({ connectionString: pgUrl(), schema, replicas: [replica.url] });
    const vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
    try {
      await vx.collections.create({ name: 'pts', dimensions: 8, metric: 'l2' });
      const r = rng(3);
      const c = vx.collection('pts');
      await c.upsert(Array.from({ length: 300 }, (_, i) => ({ id: `p${i}`, vector: randomVector(r, 8) })));
      await vx.indexes.create({ name: 'pts-hnsw', plugin: 'pgvector-hnsw', collections: ['pts'] });
      await vx.indexes.build('pts-hnsw');
      await replica.caughtUp();
      const served = backend.replicaStats()?.replicas[0]?.served ?? 0;
      const q = randomVector(r, 8);
      const { plan } = await c.search(q, { k: 5, index: 'pts-hnsw', stale: 'error' });
      expect(plan.strategy).toBe('index');
      expect(backend.replicaStats()?.replicas[0]?.served).toBeGreaterThan(served);
      // A write with replay paused: the index search still finds it (from the primary).
      await replica.sql('SELECT pg_wal_replay_pause()');
      try {
        await c.upsert([{ id: 'new', vector: q }]);
        const { hits } = await c.search(q, { k: 1, index: 'pts-hnsw' });
        expect(hits[0]?.id).toBe('new');
      } finally {
        await replica.sql('SELECT pg_wal_replay_resume()');
      }
    } finally {
      await vx.close();
      await dropSchemaQuietly(schema);
    }
  });

  it('refuses a replica that is not a postgres:// URL, naming the option', async () => {
    await expect(stores.open({ replicas: ['mysql://x'] })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(pgUrl()).toMatch(/^postgres/);
  });
});
