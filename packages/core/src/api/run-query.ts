import { errors } from '../errors/error-factories.js';
import { DEFAULT_RRF_K } from '../fusion/reciprocal-rank-fusion.js';
import type { CollectionInfo } from '../model/collection.js';
import type { SearchHit } from '../model/search.js';
import { checkQueryText } from '../query/query-text.js';
import { type HybridHit, hybridSearch } from './hybrid-search.js';
import { maximalMarginalRelevance } from './mmr.js';
import { planAndSearch, type SearchPlan } from './plan-search.js';
import { observeSearch } from '../telemetry/observe-search.js';
import { type PreparedQuery, type QueryDeps, type QueryTarget, prepareQueries, toQueryInput, vectorOf } from './prepare-query.js';
import { type CheckedOptions, checkOptions } from './query-options.js';
import type { SearchMode, SearchRequest, SimilarOptions } from './search-options.js';

/**
 * One vector query: the planner (index or exact, filters), then the distance threshold, MMR
 * and the page (`offset`). With MMR the planner fetches `fetchK` candidates with their vectors.
 */
export async function vectorQuery(
  deps: QueryDeps,
  target: QueryTarget,
  o: CheckedOptions,
  q: PreparedQuery,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  if (o.minScore !== undefined) {
    throw errors.invalidArgument(
      'minScore',
      'left out of vector queries (it thresholds fused scores); use maxDistance',
      o.minScore,
    );
  }
  const first = target.collections[0] as CollectionInfo;
  const { hits, plan } = await planAndSearch(deps.backend, deps.indexes, {
    collections: target.collections,
    vector: q.vector,
    k: o.mmr?.fetchK ?? o.depth,
    filter: o.filter,
    exclude: q.exclude,
    include: o.mmr ? { ...o.include, vector: true } : o.include,
    index: o.index,
    ...(o.params ? { params: o.params } : {}),
    ...(o.stale ? { stale: o.stale } : {}),
    ...(o.metric !== undefined ? { metric: o.metric } : {}),
    ...(target.token !== undefined ? { token: target.token } : {}),
  });
  const notes: string[] = [];
  let out = threshold(hits, o, notes);
  if (o.mmr !== null) {
    const { lambda } = o.mmr;
    out = maximalMarginalRelevance(out, { k: o.depth, lambda, metric: o.metric ?? first.metric });
    notes.push(`maximal marginal relevance (lambda = ${lambda}) picked ${out.length} of ${hits.length} candidates`);
    if (o.include.vector !== true) out = out.map(({ vector: _v, ...h }) => h);
  }
  return { hits: page(out, o, notes), plan: describe(plan, q, notes) };
}

/** A keyword query (`vector` null) or a hybrid one, then the thresholds and the page. */
export async function textQuery(
  deps: QueryDeps,
  target: QueryTarget,
  o: CheckedOptions,
  text: string,
  q: PreparedQuery | null,
): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
  if (o.mmr !== null) {
    throw errors.invalidArgument(
      'mmr',
      "left out of keyword and hybrid queries (it re-ranks by vector); use mode: 'vector' or similar()",
      o.mmr,
    );
  }
  if (q === null && o.maxDistance !== undefined) {
    throw errors.invalidArgument(
      'maxDistance',
      'left out of keyword-only queries (they have no distances); use minScore',
      o.maxDistance,
    );
  }
  const { hits, plan } = await hybridSearch(deps.backend, deps.indexes, {
    collections: target.collections,
    text,
    vector: q?.vector ?? null,
    k: o.depth,
    filter: o.filter,
    exclude: q?.exclude ?? [],
    include: o.include,
    index: o.index,
    ...(o.fusion !== undefined ? { fusion: o.fusion } : {}),
    ...(o.params ? { params: o.params } : {}),
    ...(o.stale ? { stale: o.stale } : {}),
    ...(o.metric !== undefined ? { metric: o.metric } : {}),
  });
  const notes: string[] = [];
  let out = threshold(hits, o, notes);
  if (o.minScore !== undefined) {
    const min = o.minScore;
    const kept = out.filter((h) => h.score >= min);
    if (kept.length < out.length) notes.push(`${out.length - kept.length} hit(s) scoring below minScore ${min} left out`);
    out = kept;
  }
  return { hits: page(out, o, notes), plan: q === null ? describe(plan, null, notes) : describe(plan, q, notes) };
}

/**
 * The object form of `search()`, on one collection or an index's collections. A text alone is
 * ranked per `mode` (default: hybrid when the collections record a model and the backend has
 * full text, vector when it has none, keyword when no model is recorded); a text with a vector
 * or id is hybrid; a vector or id alone is a vector query, its hits scored by rank.
 */
export function runSearchRequest(
  deps: QueryDeps,
  target: QueryTarget,
  request: SearchRequest,
): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
  return observeSearch(target, (request as { k?: number } | null)?.k, () => searchRequest(deps, target, request));
}

async function searchRequest(
  deps: QueryDeps,
  target: QueryTarget,
  request: SearchRequest,
): Promise<{ hits: HybridHit[]; plan: SearchPlan }> {
  if (typeof request !== 'object' || request === null) throw errors.invalidArgument('search', 'a query object', request);
  const { vector, id, text, ...rest } = request;
  if (vector !== undefined && id !== undefined) throw errors.invalidArgument('search', 'either vector or id, not both', request);
  const o = checkTargetOptions(deps, target, rest);
  const given = vector !== undefined ? { vector } : id !== undefined ? { id } : null;
  const prepare = async (q: Parameters<typeof prepareQueries>[2][number]) =>
    (await prepareQueries(deps, target, [q], o))[0] as PreparedQuery;
  if (text === undefined) {
    if (given === null)
      throw errors.invalidArgument('search', 'a query: { vector }, { id }, { text } or text with a vector', request);
    if (o.mode !== undefined && o.mode !== 'vector')
      throw errors.invalidArgument('mode', `'vector' for a query without text`, o.mode);
    return asRanked(await vectorQuery(deps, target, o, await prepare(given)), o);
  }
  checkQueryText(text);
  if (given !== null) {
    if (o.mode !== undefined && o.mode !== 'hybrid') {
      throw errors.invalidArgument(
        'mode',
        `'hybrid' (or left out) for a text with a ${vector !== undefined ? 'vector' : 'id'}`,
        o.mode,
      );
    }
    return textQuery(deps, target, o, text, await prepare(given));
  }
  const mode = o.mode ?? defaultMode(deps, target);
  if (mode === 'keyword') return textQuery(deps, target, o, text, null);
  const q = await prepare({ text });
  return mode === 'vector' ? asRanked(await vectorQuery(deps, target, o, q), o) : textQuery(deps, target, o, text, q);
}

/** `similar(query, options)`: a vector query, or hybrid with `options.text`; hits by distance. */
export function runSimilar(
  deps: QueryDeps,
  target: QueryTarget,
  query: unknown,
  options: SimilarOptions,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  return observeSearch(target, options?.k, () => similar(deps, target, query, options));
}

async function similar(
  deps: QueryDeps,
  target: QueryTarget,
  query: unknown,
  options: SimilarOptions,
): Promise<{ hits: SearchHit[]; plan: SearchPlan }> {
  const input = toQueryInput(query);
  const o = checkTargetOptions(deps, target, options);
  // A vector needs no I/O to prepare: checked here, without prepareQueries' await.
  const [q] =
    'vector' in input ? [vectorOf(target, input.vector)] : ((await prepareQueries(deps, target, [input], o)) as [PreparedQuery]);
  if (options.text === undefined) return vectorQuery(deps, target, o, q);
  const { hits, plan } = await textQuery(deps, target, o, checkQueryText(options.text), q);
  return { hits: hits.map(({ ranks: _ranks, ...h }) => ({ ...h, distance: h.distance as number })), plan };
}

/** The request's options checked for `target` (its metric, its default index). */
export function checkTargetOptions(
  deps: QueryDeps,
  target: QueryTarget,
  request: Parameters<typeof checkOptions>[1],
): CheckedOptions {
  const first = target.collections[0] as CollectionInfo;
  return checkOptions(deps.backend, request, { metric: first.metric, defaultIndex: target.defaultIndex });
}

/** Text alone: hybrid when the collections record a model, unless the backend has no full text. */
function defaultMode(deps: QueryDeps, target: QueryTarget): SearchMode {
  if (target.collections.every((c) => c.model === null)) return 'keyword';
  const b = deps.backend;
  return b.capabilities.fullText === true && typeof b.searchKeyword === 'function' ? 'hybrid' : 'vector';
}

/** Vector hits in the shape of `search()`'s: scored by rank, as if one ranking was fused. */
function asRanked(res: { hits: SearchHit[]; plan: SearchPlan }, o: CheckedOptions): { hits: HybridHit[]; plan: SearchPlan } {
  const hits = res.hits.map((h, i) => ({
    ...h,
    score: 1 / (DEFAULT_RRF_K + o.offset + i + 1),
    ranks: { vector: o.offset + i + 1 },
  }));
  return { hits, plan: res.plan };
}

export function threshold<H extends { distance?: number }>(hits: H[], o: CheckedOptions, notes: string[]): H[] {
  if (o.maxDistance === undefined) return hits;
  const max = o.maxDistance;
  const kept = hits.filter((h) => h.distance !== undefined && h.distance <= max);
  if (kept.length < hits.length) notes.push(`${hits.length - kept.length} hit(s) farther than maxDistance ${max} left out`);
  return kept;
}

export function page<H>(hits: H[], o: CheckedOptions, notes: string[]): H[] {
  if (o.offset > 0) notes.push(`skipped the ${o.offset} best hit(s) (offset)`);
  return hits.slice(o.offset, o.depth);
}

/** The plan with how the query text was embedded, and what was done after the search. */
function describe(plan: SearchPlan, q: PreparedQuery | null, notes: string[]): SearchPlan {
  const out: SearchPlan = notes.length === 0 ? plan : { ...plan, reason: `${plan.reason}; ${notes.join('; ')}` };
  return q?.embedding === undefined ? out : { ...out, embedding: q.embedding };
}
