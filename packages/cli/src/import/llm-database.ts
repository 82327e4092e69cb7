import { CliError } from '../cli-error.js';
import { type SqliteDatabase, loadSqlite } from '../load-sqlite.js';

/** One collection of a `simonw/llm` embeddings database (its `collections` table). */
export interface LlmCollection {
  id: number;
  name: string;
  model: string;
}

/** One row of its `embeddings` table, decoded. */
export interface LlmEmbedding {
  id: string;
  vector: Float32Array;
  content: string | null;
  /** `md5:<hex>` of the content, as llm stored it (null when it stored none). */
  contentHash: string | null;
  metadata: Record<string, unknown> | null;
}

/**
 * A `simonw/llm` embeddings database (llm/embeddings_migrations.py, m001–m005): `collections(id,
 * name, model)` and `embeddings(collection_id, id, embedding BLOB of little-endian float32,
 * content, content_blob, content_hash BLOB md5, metadata JSON text, updated)`, read-only.
 */
export class LlmDatabase {
  readonly #db: SqliteDatabase;
  readonly file: string;

  private constructor(db: SqliteDatabase, file: string) {
    this.#db = db;
    this.file = file;
  }

  static async open(file: string): Promise<LlmDatabase> {
    const Ctor = await loadSqlite();
    let db: SqliteDatabase;
    try {
      db = new Ctor(file, { readonly: true, fileMustExist: true });
      db.prepare('SELECT id, name, model FROM collections LIMIT 0').all();
      db.prepare('SELECT collection_id, id, embedding, content, content_hash, metadata FROM embeddings LIMIT 0').all();
    } catch (err) {
      throw new CliError('IMPORT_FORMAT', `${file} is not an llm embeddings database: ${(err as Error).message}`, {
        hint: '`llm collections path` prints where llm keeps it (usually ~/.config/io.datasette.llm/embeddings.db)',
        cause: err,
      });
    }
    return new LlmDatabase(db, file);
  }

  collections(): LlmCollection[] {
    return this.#db.prepare('SELECT id, name, model FROM collections ORDER BY name').all() as unknown as LlmCollection[];
  }

  count(collection: LlmCollection): number {
    const [row] = this.#db.prepare('SELECT count(*) AS n FROM embeddings WHERE collection_id = ?').all(collection.id);
    return Number(row?.n ?? 0);
  }

  /** Rows of one collection in id order, decoded. */
  *embeddings(collection: LlmCollection): Generator<LlmEmbedding> {
    const rows = this.#db
      .prepare('SELECT id, embedding, content, content_hash, metadata FROM embeddings WHERE collection_id = ? ORDER BY id')
      .iterate(collection.id);
    for (const row of rows) {
      const id = String(row.id);
      const blob = row.embedding as Uint8Array | null;
      if (blob === null || blob.byteLength % 4 !== 0 || blob.byteLength === 0) {
        throw new CliError('IMPORT_FORMAT', `${this.file}: embedding of "${id}" in "${collection.name}" is not a float32 array`);
      }
      const vector = new Float32Array(blob.byteLength / 4);
      const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
      const hash = row.content_hash as Uint8Array | null;
      let metadata: Record<string, unknown> | null = null;
      if (typeof row.metadata === 'string' && row.metadata !== '') {
        try {
          const parsed = JSON.parse(row.metadata) as unknown;
          metadata =
            parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
        } catch {
          throw new CliError('IMPORT_FORMAT', `${this.file}: metadata of "${id}" in "${collection.name}" is not JSON`);
        }
      }
      yield {
        id,
        vector,
        content: typeof row.content === 'string' ? row.content : null,
        contentHash: hash === null ? null : `md5:${Buffer.from(hash).toString('hex')}`,
        metadata,
      };
    }
  }

  close(): void {
    this.#db.close();
  }
}
