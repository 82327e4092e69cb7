import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { metadataJson, type NormalizedItem } from '@vecdex/core';
import type { PgClient } from './connection.js';

/**
 * Vectors of at most this many dimensions are kept inline (`STORAGE PLAIN`) in the staging table
 * and in the items table: 4·d + 8 bytes stays well inside an 8 kB heap tuple, and PostgreSQL then
 * neither tries to compress them (pglz on float data gains nothing) nor moves them to a TOAST
 * table (a second insert per row). Wider vectors keep the default (out of line).
 */
export const INLINE_MAX_DIMENSIONS = 1500;

/** The per-connection staging tables `upsert` COPYs into (`ON COMMIT DELETE ROWS`): inline vectors, or wide ones. */
export function stageTable(dimensions: number): string {
  return dimensions <= INLINE_MAX_DIMENSIONS ? 'pg_temp.vecdex_stage' : 'pg_temp.vecdex_stage_wide';
}

const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS STAGE_NAME (
  id text COLLATE "C" NOT NULL,
  embedding VECTOR_TYPE NOT NULL,
  content text,
  metadata jsonb,
  content_hash text
) ON COMMIT DELETE ROWS`;

/** Clients whose session has the staging tables (temp tables live as long as the connection). */
const staged = new WeakSet<PgClient>();

function stageDdl(vectorType: string, onCommit: string): string {
  const make = (name: string) =>
    STAGE_DDL.replace('STAGE_NAME', name).replace('VECTOR_TYPE', vectorType).replace('ON COMMIT DELETE ROWS', onCommit);
  return [
    make('vecdex_stage'),
    'ALTER TABLE pg_temp.vecdex_stage ALTER COLUMN embedding SET STORAGE PLAIN',
    make('vecdex_stage_wide'),
  ].join('; ');
}

/**
 * Create the staging table on this connection if it has none yet. `session` (a direct
 * connection): runs before BEGIN, so a rolled-back transaction cannot take the table with it, and
 * the table lives as long as the connection. `transaction` (behind a transaction-pooling
 * PgBouncer, where the next transaction may run on another server connection): runs inside the
 * write's transaction and the table is dropped at its end (`ON COMMIT DROP`). `vectorType` is the
 * unsized, schema-qualified `vector` type: one table serves every collection.
 */
export async function ensureStage(
  client: PgClient,
  vectorType: string,
  scope: 'session' | 'transaction' = 'session',
): Promise<void> {
  if (scope === 'transaction') {
    await client.query(stageDdl(vectorType, 'ON COMMIT DROP'));
    return;
  }
  if (staged.has(client)) return;
  await client.query(stageDdl(vectorType, 'ON COMMIT DELETE ROWS'));
  staged.add(client);
}

/**
 * Stream items into the staging table with `COPY ... FROM STDIN (FORMAT binary)`; returns the
 * bytes sent (about the staged rows' size, for `sortMemorySql`).
 */
export async function copyIntoStage(client: PgClient, items: readonly NormalizedItem[], dimensions: number): Promise<number> {
  return copyRows(
    client,
    `COPY ${stageTable(dimensions)} (id, embedding, content, metadata, content_hash) FROM STDIN (FORMAT binary)`,
    items,
  );
}

/**
 * Stream new items straight into a collection's items table (`vector` columns only: the binary
 * field is `vector_recv`'s layout), `modified` included: no staging table, no second pass over
 * the rows. `table` is a quoted name from `SchemaNames`. Only for ids that do not exist yet:
 * an existing one fails the COPY with a unique violation (23505).
 */
export async function copyIntoItems(
  client: PgClient,
  table: string,
  items: readonly NormalizedItem[],
  modified: number,
): Promise<number> {
  return copyRows(
    client,
    `COPY ${table} (id, embedding, content, metadata, content_hash, modified) FROM STDIN (FORMAT binary)`,
    items,
    modified,
  );
}

async function copyRows(client: PgClient, sql: string, items: readonly NormalizedItem[], modified?: number): Promise<number> {
  const sink = client.query(copyFrom(sql));
  let bytes = 0;
  const counted = function* () {
    for (const chunk of encodeBinaryCopy(items, modified)) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  await pipeline(Readable.from(counted()), sink);
  return bytes;
}

/** The most `sortMemorySql` asks for, in kB (512 MiB): a bigger batch's sort spills to disk. */
const MAX_SORT_KB = 512 * 1024;

/**
 * `SET LOCAL work_mem` (never lowered) so the `ORDER BY id` over the staged rows sorts in memory.
 * Those rows carry their vectors: 5,000 × 784 dims is 16 MB, and under the default 4 MB the
 * sort spilled to disk (an external merge that took a third of the INSERT's time at 784 dims).
 * Parameter: the bytes staged. Scoped to the write's transaction, so it is also right behind a
 * transaction-pooling PgBouncer.
 */
export function sortMemorySql(): string {
  return `SELECT set_config('work_mem', greatest(pg_size_bytes(current_setting('work_mem')) / 1024, $1::bigint)::text || 'kB', true)`;
}

/** The `work_mem` in kB `sortMemorySql` asks for: twice the staged bytes (sort tuples' overhead), plus 4 MB. */
export function sortMemoryKb(stagedBytes: number): number {
  return Math.min(MAX_SORT_KB, Math.ceil((2 * stagedBytes) / 1024) + 4096);
}

const CHUNK_BYTES = 1 << 20;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * Copy a vector's float32s into `buf` at `pos` as big-endian, bit for bit (-0, subnormals and NaN
 * payloads included): one memory copy of the array's bytes, then an in-place byte swap on a
 * little-endian host. Per-float `writeFloatBE` cost 8 µs a row at 784 dims, most of the encoder.
 */
function writeFloatsBE(buf: Buffer, pos: number, v: Float32Array): number {
  const n = v.byteLength;
  buf.set(new Uint8Array(v.buffer, v.byteOffset, n), pos);
  if (LITTLE_ENDIAN) buf.subarray(pos, pos + n).swap32();
  return pos + n;
}
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * PostgreSQL's binary COPY format for the staging columns, in chunks of about 1 MiB: a header,
 * then per row a field count and `(length, bytes)` per field (-1 for NULL), then -1. Field
 * encodings: text as UTF-8; jsonb as version byte 1 plus the JSON text; pgvector's `vector` as
 * int16 dimensions, int16 0, then big-endian float4s. With `modified`, a sixth field: that
 * int8 on every row.
 */
export function* encodeBinaryCopy(items: readonly NormalizedItem[], modified?: number): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let pos = 0;
  const ensure = (n: number) => {
    if (pos + n <= buf.length) return;
    if (pos > 0) {
      chunks.push(buf.subarray(0, pos));
      pos = 0;
    }
    if (n > buf.length) buf = Buffer.allocUnsafe(n);
    else buf = Buffer.allocUnsafe(CHUNK_BYTES);
  };
  const chunks: Buffer[] = [];
  const text = (s: string | null, prefix?: number) => {
    if (s === null) {
      ensure(4);
      pos = buf.writeInt32BE(-1, pos);
      return;
    }
    const len = Buffer.byteLength(s, 'utf8') + (prefix === undefined ? 0 : 1);
    ensure(4 + len);
    pos = buf.writeInt32BE(len, pos);
    if (prefix !== undefined) pos = buf.writeUInt8(prefix, pos);
    pos += buf.write(s, pos, 'utf8');
  };

  ensure(SIGNATURE.length + 8);
  pos += SIGNATURE.copy(buf, pos);
  pos = buf.writeInt32BE(0, pos); // flags
  pos = buf.writeInt32BE(0, pos); // header extension length
  const fields = modified === undefined ? 5 : 6;
  const modifiedBig = modified === undefined ? 0n : BigInt(modified);
  for (const item of items) {
    ensure(2);
    pos = buf.writeInt16BE(fields, pos);
    text(item.id);
    const v = item.vector;
    ensure(8 + 4 * v.length);
    pos = buf.writeInt32BE(4 + 4 * v.length, pos);
    pos = buf.writeInt16BE(v.length, pos);
    pos = buf.writeInt16BE(0, pos);
    pos = writeFloatsBE(buf, pos, v);
    text(item.content ?? null);
    text(metadataJson(item), 1);
    text(item.contentHash ?? null);
    if (fields === 6) {
      ensure(12);
      pos = buf.writeInt32BE(8, pos);
      pos = buf.writeBigInt64BE(modifiedBig, pos);
    }
    if (chunks.length > 0) yield* chunks.splice(0);
  }
  ensure(2);
  pos = buf.writeInt16BE(-1, pos);
  chunks.push(buf.subarray(0, pos));
  yield* chunks.splice(0);
}
