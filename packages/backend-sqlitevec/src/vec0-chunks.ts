import type { Connection } from './connection.js';
import { vecTable } from './schema.js';
import { floats } from './vector-copy.js';

/**
 * Read every vector of a vec0 table straight from its shadow tables, a chunk of 1,024 vectors
 * per row: about 13× faster than `SELECT rowid, embedding FROM vec0` (a lookup per row), which is
 * what makes building an in-memory copy of a million vectors take seconds. The layout is
 * sqlite-vec 0.1.9's (this package pins it): `<t>_chunks(chunk_id, size, validity, rowids)`,
 * a validity bitmap (bit i of byte i/8, least significant first) and little-endian int64
 * rowids per slot, and `<t>_vector_chunks00(rowid = chunk_id, vectors)`, `size × dims` float32.
 * Anything else (another version's layout) returns false, possibly after some `onRow` calls:
 * the caller then starts over with vec0's own scan.
 */
export function readVectorChunks(
  conn: Connection,
  cid: number,
  dimensions: number,
  onRow: (rowid: number, vectors: Float32Array, offset: number) => void,
): boolean {
  const t = vecTable(cid);
  const tables = conn
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)`)
    .pluck()
    .all(`${t}_chunks`, `${t}_vector_chunks00`) as string[];
  if (tables.length !== 2) return false;
  const chunks = conn
    .prepare(
      `SELECT c.size, c.validity, c.rowids, v.vectors FROM "${t}_chunks" c JOIN "${t}_vector_chunks00" v ON v.rowid = c.chunk_id`,
    )
    .raw();
  const bytes = dimensions * 4;
  // One chunk at a time, in storage order (no ORDER BY: SQLite would sort the blobs into a temp
  // B-tree): the whole table is never in memory twice.
  for (const [size, validity, rowids, vectors] of chunks.iterate() as Iterable<[number, Uint8Array, Uint8Array, Uint8Array]>) {
    if (validity.byteLength * 8 < size || rowids.byteLength < size * 8 || vectors.byteLength < size * bytes) return false;
    const ids = new DataView(rowids.buffer, rowids.byteOffset, rowids.byteLength);
    const all = floats(vectors);
    for (let i = 0; i < size; i++) {
      if (((validity[i >> 3] as number) & (1 << (i & 7))) === 0) continue;
      onRow(Number(ids.getBigInt64(i * 8, true)), all, i * dimensions);
    }
  }
  return true;
}
