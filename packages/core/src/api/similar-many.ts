import { errors } from '../errors/error-factories.js';
import type { SearchHit } from '../model/search.js';
import { type PreparedQuery, type QueryDeps, type QueryTarget, prepareQueries, toQueryInput } from './prepare-query.js';
import type { CheckedOptions } from './query-options.js';
import { checkTargetOptions, page, threshold, vectorQuery } from './run-query.js';
import { searchBatchThroughIndex } from './similar-many-batch.js';
import type { SimilarOptions } from './search-options.js';

/** Most queries one `similarMany` call takes. */
export const MAX_BATCH_QUERIES = 10_000;

/**
 * `similarMany`: many vector queries (vectors, ids or texts) with one set of options. The
 * options are checked once, every text is embedded in one embedder call (one provider request
 * for those not cached, as the provider's batch size allows), every id read in one store read;
 * then {@link searchEach} answers the queries. Results are in the order of the queries.
 */
export async function runSimilarMany(
  deps: QueryDeps,
  target: QueryTarget,
  queries: readonly unknown[],
  options: SimilarOptions,
): Promise<SearchHit[][]> {
  if (!Array.isArray(queries) || queries.length > MAX_BATCH_QUERIES) {
    throw errors.invalidArgument('queries', `an array of at most ${MAX_BATCH_QUERIES} queries`, queries);
  }
  if (options.text !== undefined) {
    throw errors.invalidArgument(
      'text',
      'left out of similarMany (it runs vector queries); run search() per query for hybrid',
      options.text,
    );
  }
  const inputs = queries.map(toQueryInput);
  const o = checkTargetOptions(deps, target, options);
  if (inputs.length === 0) return [];
  return searchEach(deps, target, o, await prepareQueries(deps, target, inputs, o));
}

/**
 * The per-query work of a batch: every query shares the target, the options and therefore the
 * plan inputs. When the request needs no per-query planning the whole batch goes to the index in
 * one `searchMany` call (see {@link searchBatchThroughIndex}); the queries it cannot answer, and
 * every query of a batch that does not qualify, run through the planner one at a time.
 */
export async function searchEach(
  deps: QueryDeps,
  target: QueryTarget,
  o: CheckedOptions,
  queries: readonly PreparedQuery[],
): Promise<SearchHit[][]> {
  const batch = await searchBatchThroughIndex(deps, target, o, queries);
  const out: SearchHit[][] = [];
  for (const [i, q] of queries.entries()) {
    const hits = batch?.[i];
    if (hits !== undefined && hits !== null) out.push(page(threshold(hits, o, []), o, []));
    else out.push((await vectorQuery(deps, target, o, q)).hits);
  }
  return out;
}
