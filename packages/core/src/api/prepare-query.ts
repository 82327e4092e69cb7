import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError, isVecdexError } from '../errors/vecdex-error.js';
import type { Indexes } from '../indexes/index-manager.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Vector } from '../model/item.js';
import type { QueryEmbedder } from '../query/query-embedder.js';
import type { QueryModel } from '../query/query-provider.js';
import type { QuerySource } from '../query/query-cache.js';
import { validateId } from '../validation/validate-id.js';
import { toVector } from '../validation/validate-vector.js';
import type { QueryInput } from './search-options.js';

/** What a query runs with: the store, the indexes, and the embedder of query texts (null: none). */
export interface QueryDeps {
  backend: StorageBackend;
  indexes: Indexes;
  embedder: QueryEmbedder | null;
}

/** Where a query runs: one collection, or several of one index (same dimensions and metric). */
export interface QueryTarget {
  collections: CollectionInfo[];
  /** Used unless the request names an index or asks for exact search; null = exact. */
  defaultIndex: string | null;
  /** For messages: `collection "docs"` or `collections a, b`. */
  what: string;
  /**
   * The store's change token read as the query began (`StorageBackend.changeToken`), when the
   * backend has one: the index's freshness check reads nothing more while it is unchanged.
   */
  token?: string;
}

/** A query ready to search: its vector, items to leave out, and how a text became the vector. */
export interface PreparedQuery {
  vector: Float32Array;
  exclude: { collection: string; id: string }[];
  embedding?: { model: string; source: QuerySource };
}

/**
 * A query as users give it to `similar`: an id (a string), a {@link QueryInput} (an object with
 * exactly one of `vector`, `id`, `text`), or else a vector (checked as one: `INVALID_VECTOR`).
 */
export function toQueryInput(query: unknown): QueryInput {
  if (typeof query === 'string') return { id: query };
  if (typeof query === 'object' && query !== null && !Array.isArray(query) && !ArrayBuffer.isView(query)) {
    const keys = ['vector', 'id', 'text'].filter((k) => k in query);
    if (keys.length === 1) return query as QueryInput;
    if (keys.length > 1) {
      throw errors.invalidArgument('query', `one of { vector }, { id }, { text }, not ${keys.join(' and ')} together`, query);
    }
  }
  return { vector: query as Vector };
}

/** The model query texts of `target` are embedded with: its collections' one recorded model. */
export function targetModel(target: QueryTarget): QueryModel {
  const first = target.collections[0] as CollectionInfo;
  for (const c of target.collections) {
    if (c.model === null) {
      throw new VecdexError(
        'MODEL_MISMATCH',
        `collection "${c.name}" records no embedding model (its vectors were imported, not embedded by vecdex), so a query text cannot be embedded to match them; query it by vector, search its content with mode: 'keyword', or fill it with \`vecdex embed-multi\` / ingest()`,
        { details: { collection: c.name, model: null } },
      );
    }
    if (c.model !== first.model) {
      throw new VecdexError(
        'MODEL_MISMATCH',
        `collections "${first.name}" and "${c.name}" were embedded with different models ("${first.model}", "${c.model}"), so one query text cannot be embedded for both; search them separately`,
        { details: { collections: [first.name, c.name], models: [first.model, c.model] } },
      );
    }
  }
  return { what: target.what, model: first.model as string, dimensions: first.dimensions };
}

/** A query given as a vector, checked against the target's dimensions and metric (no I/O). */
export function vectorOf(target: QueryTarget, vector: Vector): PreparedQuery {
  const first = target.collections[0] as CollectionInfo;
  return {
    vector: toVector(vector, { collection: first.name, dimensions: first.dimensions, metric: first.metric }),
    exclude: [],
  };
}

/**
 * Turn queries into vectors, batched: every text of the call is embedded in one embedder call
 * (one provider request for texts not cached, as the provider's batch size allows), every id
 * read in one store read.
 */
export async function prepareQueries(
  deps: QueryDeps,
  target: QueryTarget,
  queries: readonly QueryInput[],
  options: { includeSelf: boolean; signal?: AbortSignal },
): Promise<PreparedQuery[]> {
  const first = target.collections[0] as CollectionInfo;
  const ctx = { collection: first.name, dimensions: first.dimensions, metric: first.metric };
  const out: (PreparedQuery | undefined)[] = new Array(queries.length);
  const texts: number[] = [];
  const ids: number[] = [];
  queries.forEach((q, i) => {
    if ('text' in q) texts.push(i);
    else if ('id' in q) ids.push(i);
    else out[i] = { vector: toVector(q.vector, ctx), exclude: [] };
  });
  if (texts.length > 0) {
    if (deps.embedder === null) throw noEmbedder();
    const model = targetModel(target);
    const done = await deps.embedder.embed(
      model,
      texts.map((i) => (queries[i] as { text: string }).text),
      options.signal ? { signal: options.signal } : {},
    );
    texts.forEach((qi, j) => {
      const source = done.sources[j] as QuerySource;
      out[qi] = {
        vector: textVector(done.vectors[j] as Float32Array, ctx),
        exclude: [],
        embedding: { model: done.model, source },
      };
    });
  }
  if (ids.length > 0) {
    if (target.collections.length > 1) {
      throw errors.invalidArgument(
        'query id',
        `a vector or a text when searching several collections (an id names an item of one collection: search ${target.what} by that item's vector)`,
        (queries[ids[0] as number] as { id: string }).id,
      );
    }
    const wanted = ids.map((i) => validateId((queries[i] as { id: string }).id));
    const stored = new Map((await deps.backend.get(first.name, wanted, { vectors: true })).map((it) => [it.id, it]));
    ids.forEach((qi, j) => {
      const id = wanted[j] as string;
      const vector = stored.get(id)?.vector;
      if (vector === undefined) throw errors.invalidArgument('query id', `an id stored in collection "${first.name}"`, id);
      out[qi] = { vector, exclude: options.includeSelf ? [] : [{ collection: first.name, id }] };
    });
  }
  return out as PreparedQuery[];
}

/** A collection handle made without `vx.collection()` has no query embedder. */
export function noEmbedder(): VecdexError {
  return new VecdexError(
    'CONFIG_INVALID',
    'text queries need a collection handle from vx.collection() on a store opened with openVecdex(), which embeds query texts',
  );
}

/** A provider's vector as a query vector; an all-zero one under cosine means the text had nothing to embed. */
function textVector(
  v: Float32Array,
  ctx: { collection: string; dimensions: number; metric: CollectionInfo['metric'] },
): Float32Array {
  try {
    return toVector(v, ctx);
  } catch (err) {
    if (!isVecdexError(err, 'INVALID_VECTOR')) throw err;
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `the query text's embedding is unusable (${err.message.replace(/^query vector: /, '')}): a text with no letters or digits has nothing for the model to embed; use words`,
      { cause: err, details: { name: 'text' } },
    );
  }
}
