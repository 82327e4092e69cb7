/**
 * The catalog cache: collection lookups answered from memory, emptied by LISTEN/NOTIFY when
 * another process (here: another backend with its own pool) creates, changes or drops a
 * collection, and switched off while its listening connection is down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { PgVectorBackend } from '../src/index.js';
import { NO_PG, Stores, freshAppName, freshSchema, pgUrl, spec, withAdmin } from './pg-env.js';

/** Poll until `check` holds (a notification takes a moment to arrive), or fail after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with `p`'s value, or with 'timeout' when it takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

describe.skipIf(NO_PG)('pgvector catalog cache (LISTEN/NOTIFY)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  async function pair(): Promise<{ a: PgVectorBackend; b: PgVectorBackend; schema: string; appA: string }> {
    const schema = freshSchema('cache');
    const appA = freshAppName();
    const a = await stores.open({ schema, applicationName: appA });
    const b = await stores.open({ schema });
    return { a, b, schema, appA };
  }

  it('answers repeated lookups without the server: they finish while the catalog table is locked', async () => {
    const { a, b } = await pair();
    await b.createCollection(spec('docs', 4));
    expect((await a.getCollection('docs'))?.dimensions).toBe(4); // read and cached
    expect(a.catalogCacheListening).toBe(true);
    const locker = new pg.Client({ connectionString: pgUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${pg.escapeIdentifier(a.schema)}.collections IN ACCESS EXCLUSIVE MODE`);
      // A server read would wait for the lock; the cached row does not.
      expect(await within(a.getCollection('docs'), 1_000)).toMatchObject({ name: 'docs', dimensions: 4 });
      // Unknown names are never cached: that read goes to the server and waits.
      expect(await within(a.getCollection('nope'), 300)).toBe('timeout');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it("sees another process's create, default-index change and drop once the notification arrives", async () => {
    const { a, b } = await pair();
    expect(await a.getCollection('docs')).toBeNull();
    await b.createCollection(spec('docs', 4));
    expect((await a.getCollection('docs'))?.name).toBe('docs'); // unknown names are not cached
    expect((await a.getCollection('docs'))?.defaultIndex).toBeNull();

    await b.updateCollection('docs', { defaultIndex: 'docs-hnsw' });
    await eventually(async () => (await a.getCollection('docs'))?.defaultIndex === 'docs-hnsw');

    await b.deleteCollection('docs');
    await eventually(async () => (await a.getCollection('docs')) === null);
    // Recreated with other dimensions: the new definition, not the cached old one.
    await b.createCollection(spec('docs', 8, 'cosine'));
    await eventually(async () => (await a.getCollection('docs'))?.dimensions === 8);
    expect((await a.getCollection('docs'))?.metric).toBe('cosine');
  });

  it('sees its own changes at once, without waiting for the notification', async () => {
    const { a } = await pair();
    await a.createCollection(spec('docs', 4));
    expect((await a.getCollection('docs'))?.defaultIndex).toBeNull();
    await a.updateCollection('docs', { defaultIndex: 'x' });
    expect((await a.getCollection('docs'))?.defaultIndex).toBe('x');
    await a.deleteCollection('docs');
    expect(await a.getCollection('docs')).toBeNull();
  });

  it('stops caching when its listening connection dies, and stays correct', async () => {
    const { a, b, appA } = await pair();
    await b.createCollection(spec('docs', 4));
    await a.getCollection('docs');
    expect(a.catalogCacheListening).toBe(true);
    const killed = await withAdmin(
      async (c) =>
        (
          await c.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`, [
            `${appA} catalog-listener`,
          ])
        ).rows.length,
    );
    expect(killed).toBe(1);
    await eventually(async () => !a.catalogCacheListening);
    // Not listening: a change elsewhere is seen by the very next lookup (it reads the server).
    await b.updateCollection('docs', { defaultIndex: 'after-kill' });
    expect((await a.getCollection('docs'))?.defaultIndex).toBe('after-kill');
  });

  it('can be turned off (catalogCache: false): no listening connection, every lookup reads the server', async () => {
    const schema = freshSchema('nocache');
    const appName = freshAppName();
    const a = await stores.open({ schema, applicationName: appName, catalogCache: false });
    const b = await stores.open({ schema });
    await b.createCollection(spec('docs', 4));
    await a.getCollection('docs');
    expect(a.catalogCacheListening).toBe(false);
    await b.updateCollection('docs', { defaultIndex: 'y' });
    expect((await a.getCollection('docs'))?.defaultIndex).toBe('y');
    const listeners = await withAdmin(
      async (c) =>
        (await c.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [`${appName} catalog-listener`])).rows
          .length,
    );
    expect(listeners).toBe(0);
  });
});
