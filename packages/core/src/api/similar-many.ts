import { errors } from '../errors/error-factories.js';
import type { SearchHit } from '../model/search.js';
import { type PreparedQuery, type QueryDeps, type QueryTarget, prepareQueries, toQueryInput } from './prepare-query.js';
import type { CheckedOptions } from './query-options.js';
import { checkTargetOptions, vectorQuery } from './run-query.js';
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
 * The per-query work of a batch, in one function so that a batch call into the index (an
 * optional `searchMany` on the index contract, answering many queries on several threads) can
 * replace it without touching the rest: every query here shares the target, the options and
 * therefore the plan inputs. Today it is a loop of single planned searches.
 */
export async function searchEach(
  deps: QueryDeps,
  target: QueryTarget,
  o: CheckedOptions,
  queries: readonly PreparedQuery[],
): Promise<SearchHit[][]> {
  const out: SearchHit[][] = [];
  for (const q of queries) out.push((await vectorQuery(deps, target, o, q)).hits);
  return out;
}
