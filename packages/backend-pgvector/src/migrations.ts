import { escapeIdentifier } from 'pg';
import { VecdexError } from '@vecdex/core';
import type { PgClient, PgConnection } from './connection.js';
import { checkPrivileges, extensionRefused } from './privileges.js';
import { SchemaNames } from './schema.js';
import { indexEventsMigration } from './index-events.js';

/**
 * Schema migrations, in order: entry `i` brings a schema from version `i` to `i + 1`. The
 * version lives in `<schema>.meta` under `schema_version`. Never edit a released migration;
 * append one.
 */
const MIGRATIONS: readonly ((n: SchemaNames) => string[])[] = [
  (n) => [
    `CREATE TABLE ${n.collections} (
      cid serial PRIMARY KEY,
      name text COLLATE "C" NOT NULL UNIQUE,
      dimensions integer NOT NULL,
      metric text NOT NULL,
      vector_type text NOT NULL CHECK (vector_type IN ('vector', 'halfvec')),
      model text,
      default_index text,
      created_at bigint NOT NULL
    )`,
    // One row per item: its latest write (tombstones included). xid is the writing
    // transaction's id; readers only return rows of transactions older than their snapshot's
    // xmin, so a transaction that commits late is never skipped (see change-feed.ts).
    `CREATE TABLE ${n.changes} (
      cid integer NOT NULL,
      item_id text COLLATE "C" NOT NULL,
      op text NOT NULL CHECK (op IN ('upsert', 'delete')),
      modified bigint NOT NULL,
      xid xid8 NOT NULL,
      seq bigint NOT NULL,
      PRIMARY KEY (cid, item_id)
    )`,
    `CREATE INDEX changes_feed ON ${n.changes} (cid, xid, seq)`,
    `CREATE SEQUENCE ${n.schema}.change_seq`,
    // Never decreasing 'modified' (a non-transactional sequence: no lock between writers).
    `CREATE SEQUENCE ${n.clockSeq} MINVALUE 0 START 0`,
    `CREATE TABLE ${n.indexDefinitions} (
      name text COLLATE "C" PRIMARY KEY,
      plugin text NOT NULL,
      collections jsonb NOT NULL,
      params jsonb NOT NULL,
      created_at bigint NOT NULL
    )`,
    `CREATE TABLE ${n.indexStates} (
      name text COLLATE "C" PRIMARY KEY REFERENCES ${n.indexDefinitions} (name) ON DELETE CASCADE,
      cursor text,
      state jsonb NOT NULL,
      updated_at bigint NOT NULL
    )`,
  ],
  // Version 2: declared filterable metadata fields (a jsonb array; a btree index per field on
  // the collection's items table, see filterable-index.ts).
  (n) => [`ALTER TABLE ${n.collections} ADD COLUMN filterable jsonb`],
  // Version 3: index builds, syncs and rebuilds (index health over time).
  indexEventsMigration,
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * One advisory lock for every vecdex migration in a database (any schema): two processes that
 * open the same fresh schema at once take turns, and `CREATE EXTENSION` never races either.
 */
const MIGRATION_LOCK = '8531276143829401601';

/** The oldest pgvector with `halfvec` and the `<+>` (l1) operator. */
const MIN_PGVECTOR = [0, 7, 0];

/**
 * Bring the schema to {@link SCHEMA_VERSION}: create it, the `vector` extension (when missing)
 * and the tables, in one transaction under an advisory lock. Returns the names with pgvector's
 * schema resolved. Refuses a schema a newer vecdex wrote, and a pgvector that is too old.
 */
export async function migrate(conn: PgConnection, schema: string): Promise<SchemaNames> {
  return conn.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    const ext = await ensureExtension(client, conn);
    await checkPrivileges(client, conn, schema);
    const names = new SchemaNames(schema, escapeIdentifier(ext));
    // CREATE SCHEMA IF NOT EXISTS checks CREATE on the database even when the schema exists.
    const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rows.length > 0;
    if (!exists) await client.query(`CREATE SCHEMA ${names.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${names.meta} (key text PRIMARY KEY, value text NOT NULL)`);
    const row = (await client.query<{ value: string }>(`SELECT value FROM ${names.meta} WHERE key = 'schema_version'`)).rows[0];
    const version = row === undefined ? 0 : Number(row.value);
    if (!Number.isInteger(version) || version < 0) {
      throw new VecdexError('STORE_CORRUPT', `schema "${schema}": meta.schema_version is ${row?.value}, not a version number`, {
        details: { schema },
      });
    }
    if (version > SCHEMA_VERSION) {
      throw new VecdexError(
        'STORE_SCHEMA_TOO_NEW',
        `schema "${schema}" was written by a newer vecdex (schema version ${version}, this one knows ${SCHEMA_VERSION}); upgrade @vecdex/backend-pgvector`,
        { details: { schema, version, supported: SCHEMA_VERSION } },
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      for (const sql of (MIGRATIONS[v] as (n: SchemaNames) => string[])(names)) await client.query(sql);
    }
    if (version < SCHEMA_VERSION) {
      await client.query(
        `INSERT INTO ${names.meta} (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(SCHEMA_VERSION)],
      );
    }
    return names;
  });
}

/** The schema pgvector is installed in; installs it when the server has it but the database does not. */
async function ensureExtension(client: PgClient, conn: PgConnection): Promise<string> {
  const find = () =>
    client.query<{ schema: string; version: string }>(
      `SELECT n.nspname AS schema, e.extversion AS version
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
    );
  let found = (await find()).rows[0];
  if (found === undefined) {
    const available = (await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)).rows.length > 0;
    const where = `${conn.server.host}:${conn.server.port}`;
    if (!available) {
      throw new VecdexError(
        'MISSING_NATIVE_DEPENDENCY',
        `the PostgreSQL server at ${where} does not have the pgvector extension; install it (e.g. the postgresql-NN-pgvector package, or bash scripts/setup-postgres.sh for a test server)`,
        { details: { backend: 'pgvector', host: conn.server.host, port: conn.server.port } },
      );
    }
    const who = (await client.query<{ role: string; db: string }>('SELECT current_user AS role, current_database() AS db'))
      .rows[0];
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (err) {
      if ((err as { code?: unknown }).code !== '42501') throw err;
      throw extensionRefused(conn, err, who?.role ?? '?', who?.db ?? conn.server.database);
    }
    found = (await find()).rows[0];
    if (found === undefined) throw new Error('internal: CREATE EXTENSION vector did not install it');
  }
  const have = found.version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = MIN_PGVECTOR[i] as number;
    if (a > b) break;
    if (a < b) {
      throw new VecdexError(
        'MISSING_NATIVE_DEPENDENCY',
        `pgvector ${found.version} is too old: vecdex needs ${MIN_PGVECTOR.join('.')} or newer (halfvec, l1); run ALTER EXTENSION vector UPDATE after installing a newer pgvector`,
        { details: { backend: 'pgvector', version: found.version } },
      );
    }
  }
  const usable = await client.query<{ ok: boolean }>('SELECT has_schema_privilege($1, $2) AS ok', [found.schema, 'USAGE']);
  if (usable.rows[0]?.ok !== true) {
    throw new VecdexError(
      'BACKEND_FAILURE',
      `pgvector is installed in schema "${found.schema}", on which the connecting role lacks USAGE; have an administrator run GRANT USAGE ON SCHEMA ${escapeIdentifier(found.schema)} TO <the role>`,
      { details: { backend: 'pgvector', reason: 'missing-privilege', privilege: `USAGE on schema "${found.schema}"` } },
    );
  }
  return found.schema;
}
