import { afterEach, describe, expect, it } from 'vitest';
import { isVecdexError, type NormalizedItem } from '@vecdex/core';
import { createPgVectorBackend, SCHEMA_VERSION } from '../src/index.js';
import { NO_PG, Stores, codeOf, freshAppName, freshSchema, item, pgUrl, randomVector, rng, spec, withAdmin } from './pg-env.js';

function bigBatch(n: number, dims: number, seed: number, tag: string): NormalizedItem[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => item(`it-${i}`, randomVector(r, dims), { i, tag }, `content ${i} ${tag}`));
}

describe('connecting to a server that is not there', () => {
  it('fails with BACKEND_FAILURE naming the host and port and what to do', async () => {
    const err = await createPgVectorBackend({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      connectionTimeoutMs: 3000,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isVecdexError(err, 'BACKEND_FAILURE'), String(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toMatch(/start the server|VECDEX_DB_URL/i);
  });

  it('never echoes the password of the connection string', async () => {
    const err = (await createPgVectorBackend({
      connectionString: 'postgres://me:s3cr3t-pw@127.0.0.1:1/db',
      connectionTimeoutMs: 3000,
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('s3cr3t-pw');
  });
});

describe.skipIf(NO_PG)('opening, migrations and faults (PostgreSQL)', () => {
  const stores = new Stores();
  afterEach(() => stores.cleanup());

  it('two backends opening the same fresh schema at once migrate it once, under the advisory lock', async () => {
    const schema = freshSchema('race');
    const opened = await Promise.all(Array.from({ length: 4 }, () => stores.open({ schema })));
    const version = await withAdmin(
      async (c) => (await c.query(`SELECT value FROM "${schema}".meta WHERE key = 'schema_version'`)).rows,
    );
    expect(version).toEqual([{ value: String(SCHEMA_VERSION) }]);
    await opened[0]?.createCollection(spec('docs', 3));
    expect((await opened[3]?.listCollections())?.map((c) => c.name)).toEqual(['docs']);
  });

  it('refuses a schema written by a newer vecdex with STORE_SCHEMA_TOO_NEW', async () => {
    const b = await stores.open();
    await withAdmin((c) => c.query(`UPDATE "${b.schema}".meta SET value = '999' WHERE key = 'schema_version'`));
    expect(await codeOf(createPgVectorBackend({ connectionString: pgUrl(), schema: b.schema }))).toBe('STORE_SCHEMA_TOO_NEW');
  });

  it('a server that kills the connection mid-ingest: typed error, nothing stored, and a re-run stores every item once', async () => {
    const app = freshAppName();
    const b = await stores.open({ applicationName: app });
    await b.createCollection(spec('big', 64));
    const batch = bigBatch(60_000, 64, 11, 'one');
    const killer = withAdmin(async (admin) => {
      // Wait until the ingest is on the server, then end its connection.
      for (let i = 0; i < 400; i++) {
        const res = await admin.query(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE application_name = $1 AND datname = current_database() AND state = 'active'
              AND (query ILIKE 'COPY%vecdex_stage%' OR query ILIKE 'COPY "${b.schema}".items_%'
                   OR query ILIKE 'INSERT INTO "${b.schema}".items_%')`,
          [app],
        );
        if (res.rows.some((r) => r.killed === true)) return true;
        await new Promise((r) => setTimeout(r, 5));
      }
      return false;
    });
    const err = await b.upsert('big', batch).then(
      () => null,
      (e: unknown) => e,
    );
    expect(await killer, 'the killer found the ingest running').toBe(true);
    expect(isVecdexError(err, 'BACKEND_FAILURE'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/lost the connection|terminat/i);
    expect(await b.count('big')).toBe(0);
    expect(await b.countChanges(['big'], null)).toBe(0);

    await b.upsert('big', batch);
    expect(await b.count('big')).toBe(batch.length);
    expect(await b.countChanges(['big'], null)).toBe(batch.length);
    const sample = await b.get('big', ['it-0', 'it-59999']);
    expect(sample.map((s) => s.id)).toEqual(['it-0', 'it-59999']);
    expect(Array.from(sample[1]?.vector ?? [])).toEqual(Array.from(batch[59_999]?.vector ?? []));
  });

  it('a statement timeout: typed error naming statementTimeoutMs, the batch rolled back, the re-run complete', async () => {
    const b = await stores.open({ statementTimeoutMs: 300 });
    await b.createCollection(spec('t', 8));
    const first = bigBatch(200, 8, 12, 'first');
    await b.upsert('t', first.slice(0, 100));
    const second = bigBatch(200, 8, 13, 'second');
    const { table } = await b.collectionTable('t');
    // Another session holds a row lock on an item in the batch: the upsert waits past its timeout.
    await withAdmin(async (admin) => {
      await admin.query('BEGIN');
      await admin.query(`SELECT id FROM ${table} WHERE id = 'it-50' FOR UPDATE`);
      const err = await b.upsert('t', second).then(
        () => null,
        (e: unknown) => e,
      );
      await admin.query('ROLLBACK');
      expect(isVecdexError(err, 'BACKEND_FAILURE'), String(err)).toBe(true);
      expect((err as Error).message).toContain('statementTimeoutMs: 300');
    });
    expect(await b.count('t')).toBe(100);
    const kept = await b.get('t', ['it-0', 'it-150']);
    expect(kept.map((k) => [k.id, k.metadata?.tag])).toEqual([['it-0', 'first']]);
    await b.upsert('t', second);
    expect(await b.count('t')).toBe(200);
    expect(await b.countChanges(['t'], null)).toBe(200);
    expect(
      new Set(
        (
          await b.get(
            't',
            second.map((s) => s.id),
          )
        ).map((s) => s.metadata?.tag),
      ),
    ).toEqual(new Set(['second']));
  });

  it('keeps working after a pooled connection was terminated while idle', async () => {
    const app = freshAppName();
    const b = await stores.open({ applicationName: app });
    await b.createCollection(spec('t', 3));
    await b.upsert('t', [item('a', [1, 2, 3])]);
    const killed = await withAdmin(
      async (admin) =>
        (
          await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle' AND datname = current_database()`,
            [app],
          )
        ).rows.length,
    );
    expect(killed).toBeGreaterThan(0);
    // Reads on a dropped connection are run again on a fresh one: no call fails.
    expect((await b.get('t', ['a'])).map((g) => g.id)).toEqual(['a']);
    expect(await b.count('t')).toBe(1);
    await b.upsert('t', [item('b', [3, 2, 1])]);
    expect(await b.count('t')).toBe(2);
  });
});
