import type { DoctorCheck } from '@vecdex/core';
import type { PgConnection } from './connection.js';
import { SCHEMA_VERSION } from './migrations.js';
import type { SchemaNames } from './schema.js';

/**
 * The pgvector store's doctor checks, in one read-only transaction: server and pgvector
 * versions, schema version, the privileges vecdex needs on its schema and tables, indexes left
 * INVALID by a cancelled build (PITFALLS), the WAL directory's size when the role may read it,
 * the schema's size and the change feed's tombstone backlog.
 */
export async function diagnosePg(conn: PgConnection, names: SchemaNames): Promise<DoctorCheck[]> {
  return conn.transaction(async (client) => {
    const checks: DoctorCheck[] = [];
    const one = async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0] as R;
    const server = await one<{ version: string; ext: string; who: string }>(
      `SELECT current_setting('server_version') AS version, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS ext, current_user AS who`,
    );
    const meta = await one<{ value: string } | undefined>(`SELECT value FROM ${names.meta} WHERE key = 'schema_version'`);
    checks.push({
      name: 'store.schema',
      status: 'ok',
      message: `PostgreSQL ${server.version}, pgvector ${server.ext}, schema "${names.name}" version ${meta?.value ?? '?'} (this package writes ${SCHEMA_VERSION})`,
      details: { server: server.version, pgvector: server.ext, schemaVersion: Number(meta?.value ?? 0), user: server.who },
    });
    const p = await one<{ usage: boolean; create: boolean; tables: boolean; seq: boolean }>(
      `SELECT has_schema_privilege($1, 'USAGE') AS usage, has_schema_privilege($1, 'CREATE') AS create,
              has_table_privilege($2, 'SELECT, INSERT, UPDATE, DELETE') AND has_table_privilege($3, 'SELECT, INSERT, UPDATE, DELETE')
                AND has_table_privilege($4, 'SELECT, INSERT, UPDATE, DELETE') AS tables,
              has_sequence_privilege($5, 'USAGE') AS seq`,
      [names.name, names.collections, names.changes, names.indexStates, `${names.schema}.change_seq`],
    );
    const missing = [
      ...(p.usage ? [] : ['USAGE on the schema']),
      ...(p.create ? [] : ['CREATE on the schema (new collections and indexes)']),
      ...(p.tables ? [] : ['SELECT, INSERT, UPDATE, DELETE on its tables']),
      ...(p.seq ? [] : ['USAGE on its sequences']),
    ];
    checks.push(
      missing.length === 0
        ? {
            name: 'store.privileges',
            status: 'ok',
            message: `role ${server.who} has what vecdex needs on schema "${names.name}"`,
          }
        : {
            name: 'store.privileges',
            status: 'fail',
            message: `role ${server.who} lacks ${missing.join('; ')}`,
            remedy: `as the schema's owner: GRANT USAGE, CREATE ON SCHEMA ${names.schema} TO ${server.who}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${names.schema} TO ${server.who}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${names.schema} TO ${server.who}`,
            details: { missing },
          },
    );
    const invalid = (
      await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND NOT i.indisvalid`,
        [names.name],
      )
    ).rows.map((r) => r.name);
    checks.push(
      invalid.length === 0
        ? { name: 'store.integrity', status: 'ok', message: 'no INVALID indexes in the schema (PostgreSQL checks pages itself)' }
        : {
            name: 'store.integrity',
            status: 'fail',
            message: `INVALID index(es) left by a cancelled build: ${invalid.join(', ')}`,
            remedy: `DROP INDEX ${names.schema}.<name> for each, then vecdex index rebuild <index>`,
            details: { invalid },
          },
    );
    const size = await one<{ bytes: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
      [names.name],
    );
    await client.query('SAVEPOINT wal');
    let wal: number | null = null;
    try {
      wal = Number((await one<{ bytes: string }>('SELECT coalesce(sum(size), 0)::text AS bytes FROM pg_ls_waldir()')).bytes);
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT wal'); // needs pg_monitor or superuser
    }
    checks.push({
      name: 'store.wal',
      status: 'ok',
      message: `schema "${names.name}" ${mib(Number(size.bytes))}, WAL ${wal === null ? 'not readable by this role (needs pg_monitor)' : mib(wal)}`,
      details: { bytes: Number(size.bytes), walBytes: wal },
    });
    const feed = await one<{ entries: string; tombstones: string }>(
      `SELECT count(*)::text AS entries, count(*) FILTER (WHERE op = 'delete')::text AS tombstones FROM ${names.changes}`,
    );
    const entries = Number(feed.entries);
    const tombstones = Number(feed.tombstones);
    const heavy = tombstones > 10_000 && tombstones > entries / 2;
    checks.push({
      name: 'store.feed',
      status: heavy ? 'warn' : 'ok',
      message: `change feed: ${entries} entries, ${tombstones} tombstone(s)`,
      ...(heavy ? { remedy: 'vecdex prune-tombstones (deletes those every index has passed)' } : {}),
      details: { entries, tombstones },
    });
    return checks;
  }, 'read');
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} B` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
