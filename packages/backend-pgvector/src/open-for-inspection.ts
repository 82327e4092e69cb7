import { VecdexError } from '@vecdex/core';
import { escapeIdentifier } from 'pg';
import { PgConnection } from './connection.js';
import { SCHEMA_VERSION } from './migrations.js';
import { PgVectorBackend } from './pgvector-backend.js';
import { type PgVectorOptions, resolvePgVectorOptions } from './pgvector-options.js';
import { SchemaNames } from './schema.js';

/**
 * Connect for `vecdex doctor` without writing: no `CREATE EXTENSION`, no schema created or
 * migrated, no LISTEN connection (`catalogCache` off), read transactions only. Throws a typed
 * error when the server is unreachable, pgvector is missing, or there is no vecdex schema yet.
 */
export async function openPgForInspection(options: PgVectorOptions = {}): Promise<PgVectorBackend> {
  const resolved = resolvePgVectorOptions({ ...options, catalogCache: false });
  const conn = new PgConnection(resolved);
  try {
    const names = await conn.guard(() => inspectSchema(conn, resolved.schema));
    return new PgVectorBackend(conn, names, resolved);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }
}

async function inspectSchema(conn: PgConnection, schema: string): Promise<SchemaNames> {
  const where = `${conn.server.host}:${conn.server.port}/${conn.server.database}`;
  const ext = (
    await conn.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'`,
    )
  )[0];
  if (ext === undefined) {
    throw new VecdexError(
      'MISSING_NATIVE_DEPENDENCY',
      `the database ${where} has no pgvector extension; install pgvector on the server, then any vecdex command that opens the store runs CREATE EXTENSION vector (or run it yourself)`,
      { details: { backend: 'pgvector' } },
    );
  }
  const names = new SchemaNames(schema, escapeIdentifier(ext.schema));
  const meta = (await conn.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${escapeIdentifier(schema)}.meta`]))[0];
  if (meta?.t === null || meta?.t === undefined) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `the database ${where} has no vecdex schema "${schema}" yet: it is created by the first command that opens the store (or check the backend's schema option / VECDEX_PG_SCHEMA)`,
      { details: { backend: 'pgvector', schema } },
    );
  }
  const row = (await conn.query<{ value: string }>(`SELECT value FROM ${names.meta} WHERE key = 'schema_version'`))[0];
  const version = Number(row?.value ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new VecdexError(
      'STORE_SCHEMA_TOO_NEW',
      `schema "${schema}" was written by a newer vecdex (schema version ${version}, this one knows ${SCHEMA_VERSION}); upgrade @vecdex/backend-pgvector`,
      { details: { schema, version, supported: SCHEMA_VERSION } },
    );
  }
  if (version < SCHEMA_VERSION) {
    throw new VecdexError(
      'NOT_SUPPORTED',
      `schema "${schema}" has the older schema version ${version}; the next command that opens the store migrates it to ${SCHEMA_VERSION}`,
      { details: { schema, version } },
    );
  }
  return names;
}
