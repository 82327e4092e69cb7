import { VecdexError } from '@vecdex/core';
import { escapeIdentifier } from 'pg';
import type { PgClient, PgConnection } from './connection.js';

interface Rights {
  role: string;
  db: string;
  superuser: boolean;
  schema_exists: boolean;
  db_create: boolean;
  db_temp: boolean;
  schema_create: boolean | null;
  schema_usage: boolean | null;
}

/**
 * Check, before any DDL, that the connecting role may do what opening the store needs, so a
 * managed database's restricted role gets an error naming the missing privilege and the GRANT
 * that fixes it (instead of PostgreSQL's bare "permission denied for database"). Needed: CREATE
 * on the database only when the schema does not exist yet (else USAGE and CREATE on the schema),
 * and TEMPORARY on the database for the COPY ingest path's staging table.
 */
export async function checkPrivileges(client: PgClient, conn: PgConnection, schema: string): Promise<void> {
  const r = await client.query<Rights>(
    `SELECT current_user AS role, current_database() AS db,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
            has_database_privilege(current_database(), 'CREATE') AS db_create,
            has_database_privilege(current_database(), 'TEMPORARY') AS db_temp,
            CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') END AS schema_create,
            CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'USAGE') END AS schema_usage`,
    [schema],
  );
  const p = r.rows[0] as Rights;
  if (p.superuser) return;
  const role = escapeIdentifier(p.role);
  const db = escapeIdentifier(p.db);
  const s = escapeIdentifier(schema);
  if (!p.schema_exists && !p.db_create) {
    throw missing(
      conn,
      p,
      `CREATE on database "${p.db}"`,
      `the schema "${schema}" does not exist and role "${p.role}" may not create it (it lacks CREATE on database "${p.db}"); have an administrator run CREATE SCHEMA ${s} AUTHORIZATION ${role} (or GRANT CREATE ON DATABASE ${db} TO ${role}), or set the backend's schema option to a schema the role owns`,
    );
  }
  if (p.schema_exists && !(p.schema_usage && p.schema_create)) {
    const lacks = [p.schema_usage ? null : 'USAGE', p.schema_create ? null : 'CREATE'].filter((x) => x !== null).join(' and ');
    throw missing(
      conn,
      p,
      `${lacks} on schema "${schema}"`,
      `role "${p.role}" lacks ${lacks} on schema "${schema}", needed to create and migrate vecdex's tables there; have an administrator run GRANT USAGE, CREATE ON SCHEMA ${s} TO ${role} (or ALTER SCHEMA ${s} OWNER TO ${role}), or use another schema`,
    );
  }
  if (!p.db_temp && conn.options.insertPath === 'copy') {
    throw missing(
      conn,
      p,
      `TEMPORARY on database "${p.db}"`,
      `role "${p.role}" lacks TEMPORARY on database "${p.db}", needed by COPY ingest (a temporary staging table); have an administrator run GRANT TEMPORARY ON DATABASE ${db} TO ${role}, or set the backend's insertPath option to "insert" (slower)`,
    );
  }
}

/** `CREATE EXTENSION vector` was refused: say who must run it. */
export function extensionRefused(conn: PgConnection, cause: unknown, role: string, db: string): VecdexError {
  return new VecdexError(
    'BACKEND_FAILURE',
    `the vector extension is not installed in database "${db}" and role "${role}" may not install it (CREATE EXTENSION vector needs a superuser, or a role with CREATE on the database where pgvector is marked trusted); have an administrator run CREATE EXTENSION vector in database "${db}" once`,
    {
      cause,
      details: { ...where(conn), reason: 'missing-privilege', privilege: 'CREATE EXTENSION vector', role, database: db },
    },
  );
}

function missing(conn: PgConnection, p: Rights, privilege: string, message: string): VecdexError {
  return new VecdexError('BACKEND_FAILURE', `PostgreSQL at ${conn.server.host}:${conn.server.port}: ${message}`, {
    details: { ...where(conn), reason: 'missing-privilege', privilege, role: p.role, database: p.db },
  });
}

function where(conn: PgConnection) {
  return { backend: 'pgvector', host: conn.server.host, port: conn.server.port };
}
