import type { Collection, CollectionInfo } from '@vecdex/core';
import { CliError } from '../cli-error.js';
import { type ImportFormat, detectFormat, readRecords } from '../import/import-format.js';
import { importFormatError } from '../import/import-record.js';
import { sample } from './seeded-sample.js';

/** One benchmark query: a vector, and the stored item it came from (left out of its results). */
export interface BenchQuery {
  vector: Float32Array;
  /** The id of the stored item this query is; `null` for a query from a file. */
  self: string | null;
}

export interface QuerySet {
  source: 'sample' | 'file';
  queries: BenchQuery[];
  /** The seed of a sample, or the file read. */
  seed: number | null;
  file: string | null;
}

/**
 * `n` items of the collection, chosen with a seed, as queries. Each is searched with its own
 * vector and left out of its own results (exact and index alike), so it is held out in effect.
 */
export async function sampleQueries(collection: Collection, n: number, seed: number): Promise<QuerySet> {
  const ids: string[] = [];
  for await (const batch of collection.scan({ batchSize: 5000, vectors: false })) for (const it of batch) ids.push(it.id);
  if (ids.length < 2) {
    throw new CliError(
      'EMPTY_COLLECTION',
      `collection "${collection.name}" has ${ids.length} item(s); a benchmark needs at least 2`,
      {
        hint: `import some items first: vecdex import ${collection.name} <file>`,
      },
    );
  }
  ids.sort();
  const chosen = sample(ids, n, seed);
  const queries: BenchQuery[] = [];
  for (let i = 0; i < chosen.length; i += 500) {
    for (const it of await collection.getMany(chosen.slice(i, i + 500), { vectors: true })) {
      if (it.vector !== undefined) queries.push({ vector: it.vector, self: it.id });
    }
  }
  return { source: 'sample', queries, seed, file: null };
}

/**
 * Queries from a JSONL (`{"vector": [...]}` per line) or fvecs file, read with the import
 * readers; at most `limit` of them. Each vector must have the collection's dimensions.
 */
export async function fileQueries(
  file: string,
  info: CollectionInfo,
  limit: number | undefined,
  format?: ImportFormat,
): Promise<QuerySet> {
  const queries: BenchQuery[] = [];
  for await (const rec of readRecords(format ?? detectFormat(file), file, {})) {
    if (limit !== undefined && queries.length >= limit) break;
    const v = (rec.value as { vector?: unknown } | null)?.vector;
    const ok = (Array.isArray(v) || v instanceof Float32Array) && v.length === info.dimensions;
    if (!ok || !Array.from(v as ArrayLike<unknown>).every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw importFormatError(
        file,
        rec.where,
        `a query needs "vector": ${info.dimensions} finite numbers (collection "${info.name}" is ${info.dimensions}-d)`,
      );
    }
    queries.push({ vector: Float32Array.from(v as ArrayLike<number>), self: null });
  }
  if (queries.length === 0)
    throw new CliError('NO_QUERIES', `${file} holds no queries`, { hint: 'write one {"vector": [...]} per line' });
  return { source: 'file', queries, seed: null, file };
}
