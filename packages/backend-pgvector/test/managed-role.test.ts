import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVecdex } from '@vecdex/core';
import { createPgVectorBackend, type PgVectorOptions } from '../src/index.js';
import { NO_PG, freshSchema, item, pgUrl, randomVector, rng, spec, withAdmin } from './pg-env.js';

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a rejection');
}

// A managed database's application role: no superuser, no CREATE on the database, the vector
// extension installed by an administrator beforehand.
describe.skipIf(NO_PG)('pgvector with a restricted role (needs VECDEX_TEST_PG_URL)', () => {
  const role = `vdx_app_${process.pid}_${Date.now().toString(36)}`;
  const bareDb = `vdx_bare_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  const q = pg.escapeIdentifier;

  /** The test server's URL, logging in as `role` (trust auth on loopback), optionally another database. */
  function roleUrl(database?: string): string {
    const u = new URL(pgUrl());
    u.username = role;
    if (database !== undefined) u.pathname = `/${database}`;
    return u.toString();
  }
  const open = (o: PgVectorOptions) => createPgVectorBackend({ connectionString: roleUrl(), ...o });

  beforeAll(async () => {
    await withAdmin(async (a) => {
      await a.query(`CREATE ROLE ${q(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await a.query(`CREATE DATABASE ${q(bareDb)} TEMPLATE template0`); // no vector extension in it
    });
  });
  afterAll(async () => {
    await withAdmin(async (a) => {
      for (const s of schemas) await a.query(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`);
      await a.query(`DROP DATABASE IF EXISTS ${q(bareDb)} WITH (FORCE)`);
      await a.query(`DROP OWNED BY ${q(role)} CASCADE`);
      await a.query(`DROP ROLE IF EXISTS ${q(role)}`);
    });
  });

  it('the role really lacks superuser and CREATE on the database', async () => {
    const c = new pg.Client({ connectionString: roleUrl() });
    await c.connect();
    try {
      const r = await c.query<{ su: boolean; cr: boolean }>(
        `SELECT rolsuper AS su, has_database_privilege(current_database(), 'CREATE') AS cr FROM pg_roles WHERE rolname = current_user`,
      );
      expect(r.rows[0]).toEqual({ su: false, cr: false });
    } finally {
      await c.end();
    }
  });

  it('opens, migrates and runs in a schema an administrator made for it', async () => {
    const schema = freshSchema('mgd');
    schemas.push(schema);
    await withAdmin((a) => a.query(`CREATE SCHEMA ${q(schema)} AUTHORIZATION ${q(role)}`));
    const backend = await open({ schema });
    const vx = await openVecdex({ config: { backend: { use: 'pgvector' }, plugins: [] }, backend, env: {} });
    try {
      await vx.collections.create({ name: 'docs', dimensions: 8, metric: 'l2' });
      const r = rng(2);
      const c = vx.collection('docs');
      await c.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `d${i}`, vector: randomVector(r, 8), metadata: { i } })));
      await vx.indexes.create({ name: 'docs-hnsw', plugin: 'pgvector-hnsw', collections: ['docs'] });
      await vx.indexes.build('docs-hnsw');
      const v = randomVector(r, 8);
      await c.upsert([{ id: 'probe', vector: v }]);
      expect((await c.search(v, { k: 1, index: 'docs-hnsw' })).hits[0]?.id).toBe('probe');
      expect(await backend.count('docs')).toBe(201);
      expect((await backend.readChanges({ collections: ['docs'], after: null, limit: 1000 })).changes.length).toBe(201);
      await backend.compact();
    } finally {
      await vx.close();
    }
    // Opening again (migrations already applied) works too.
    const again = await open({ schema });
    expect((await again.getCollection('docs'))?.dimensions).toBe(8);
    await again.close();
  });

  it('names CREATE on the database when the schema is missing, and creates nothing', async () => {
    const schema = freshSchema('mgdnone');
    const err = await failure(open({ schema }));
    expect(err.code).toBe('BACKEND_FAILURE');
    expect(err.details).toMatchObject({ reason: 'missing-privilege', privilege: 'CREATE on database "vecdex_test"', role });
    expect(err.message).toContain(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    const exists = await withAdmin((a) => a.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]));
    expect(exists.rows).toEqual([]);
  });

  it('names CREATE on the schema when the role may only use it', async () => {
    const schema = freshSchema('mgdro');
    schemas.push(schema);
    await withAdmin((a) => a.query(`CREATE SCHEMA ${q(schema)}; GRANT USAGE ON SCHEMA ${q(schema)} TO ${q(role)}`));
    const err = await failure(open({ schema }));
    expect(err.details).toMatchObject({ reason: 'missing-privilege', privilege: `CREATE on schema "${schema}"` });
    expect(err.message).toContain(`GRANT USAGE, CREATE ON SCHEMA "${schema}" TO "${role}"`);
  });

  it('names CREATE EXTENSION when the database lacks pgvector, then TEMPORARY for COPY once it has it', async () => {
    const schema = freshSchema('mgdext');
    const url = roleUrl(bareDb);
    const err = await failure(createPgVectorBackend({ connectionString: url, schema }));
    expect(err.details).toMatchObject({ reason: 'missing-privilege', privilege: 'CREATE EXTENSION vector', database: bareDb });
    expect(err.message).toContain(`have an administrator run CREATE EXTENSION vector in database "${bareDb}"`);

    const admin = new pg.Client({ connectionString: new URL(`/${bareDb}`, pgUrl()).toString() });
    await admin.connect();
    try {
      await admin.query('CREATE EXTENSION vector');
      await admin.query(`CREATE SCHEMA ${q(schema)} AUTHORIZATION ${q(role)}`);
      await admin.query(`REVOKE TEMPORARY ON DATABASE ${q(bareDb)} FROM PUBLIC`);
    } finally {
      await admin.end();
    }
    const noTemp = await failure(createPgVectorBackend({ connectionString: url, schema }));
    expect(noTemp.details).toMatchObject({ privilege: `TEMPORARY on database "${bareDb}"` });
    expect(noTemp.message).toContain('insertPath');
    const b = await createPgVectorBackend({ connectionString: url, schema, insertPath: 'insert' });
    try {
      await b.createCollection(spec('d', 2));
      await b.upsert('d', [item('a', [1, 2])]);
      expect(await b.count('d')).toBe(1);
    } finally {
      await b.close();
    }
  });
});
