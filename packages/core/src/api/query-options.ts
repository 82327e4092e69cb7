import type { StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import type { FilterNode } from '../filter/filter-ast.js';
import { parseFilter } from '../filter/parse-filter.js';
import type { StalePolicy } from '../indexes/index-status.js';
import type { JsonValue } from '../model/item.js';
import { isMetric, type Metric } from '../model/metric.js';
import type { Include } from '../model/search.js';
import { MAX_K, validateK } from '../validation/validate-k.js';
import type { FusionOptions } from './hybrid-search.js';
import { DEFAULT_MMR_LAMBDA } from './mmr.js';
import type { SearchMode, SearchRequest } from './search-options.js';

/** A request's options after checking, shared by every query of a call (similarMany checks once). */
export interface CheckedOptions {
  k: number;
  offset: number;
  /** offset + k: how many best hits the search needs before paging. */
  depth: number;
  filter: FilterNode | null;
  include: Include;
  includeSelf: boolean;
  /** The index to search: the one named, else the target's default; null for exact search. */
  index: string | null;
  params?: { [key: string]: JsonValue };
  stale?: StalePolicy;
  metric?: Metric;
  fusion?: FusionOptions;
  maxDistance?: number;
  minScore?: number;
  mmr: { lambda: number; fetchK: number } | null;
  mode?: SearchMode;
  signal?: AbortSignal;
}

/**
 * Check everything but the query itself, before any I/O: k, offset (offset + k ≤ 10,000),
 * filter, thresholds, MMR, mode, metric. `metric` is the collections' (the range of `maxDistance`
 * depends on it); `defaultIndex` is used unless the request names one or asks for `exact`.
 */
export function checkOptions(
  backend: StorageBackend,
  request: Omit<SearchRequest, 'vector' | 'id' | 'text'> & { text?: unknown },
  target: { metric: Metric; defaultIndex: string | null },
): CheckedOptions {
  const k = validateK(request.k ?? 10);
  const offset = request.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset + k > MAX_K) {
    throw errors.invalidArgument('offset', `an integer ≥ 0 with offset + k at most ${MAX_K}`, offset);
  }
  const depth = offset + k;
  const metric = request.metric === undefined ? undefined : checkMetric(request.metric, backend);
  const ranking = metric ?? target.metric;
  const out: CheckedOptions = {
    k,
    offset,
    depth,
    filter: parseFilter(request.filter),
    include: request.include ?? { metadata: true },
    includeSelf: request.includeSelf === true,
    index: request.exact === true ? null : (request.index ?? target.defaultIndex),
    mmr: request.mmr === undefined ? null : checkMmr(request.mmr, depth),
    ...(request.params ? { params: request.params } : {}),
    ...(request.stale ? { stale: request.stale } : {}),
    ...(metric !== undefined ? { metric } : {}),
    ...(request.fusion !== undefined ? { fusion: request.fusion } : {}),
    ...(request.signal !== undefined ? { signal: request.signal } : {}),
  };
  if (request.maxDistance !== undefined) out.maxDistance = checkMaxDistance(request.maxDistance, ranking);
  if (request.minScore !== undefined) {
    const s = request.minScore;
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw errors.invalidArgument('minScore', 'a finite number ≥ 0', s);
    out.minScore = s;
  }
  if (request.mode !== undefined) {
    if (request.mode !== 'hybrid' && request.mode !== 'vector' && request.mode !== 'keyword') {
      throw errors.invalidArgument('mode', "one of 'hybrid', 'vector', 'keyword'", request.mode);
    }
    out.mode = request.mode;
  }
  return out;
}

function checkMmr(mmr: unknown, depth: number): { lambda: number; fetchK: number } {
  if (typeof mmr !== 'object' || mmr === null || Array.isArray(mmr)) {
    throw errors.invalidArgument('mmr', 'an object like { lambda: 0.5, fetchK: 20 }', mmr);
  }
  const { lambda = DEFAULT_MMR_LAMBDA, fetchK = Math.min(MAX_K, Math.max(20, 4 * depth)) } = mmr as {
    lambda?: unknown;
    fetchK?: unknown;
  };
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0 || lambda > 1) {
    throw errors.invalidArgument('mmr.lambda', 'a number from 0 (diversity only) to 1 (relevance only)', lambda);
  }
  if (typeof fetchK !== 'number' || !Number.isInteger(fetchK) || fetchK < depth || fetchK > MAX_K) {
    throw errors.invalidArgument('mmr.fetchK', `an integer from offset + k (${depth}) to ${MAX_K}`, fetchK);
  }
  return { lambda, fetchK };
}

/** Distances of cosine lie in [0, 2], of l2 and l1 in [0, ∞); ip distances (−a·b) take any sign. */
function checkMaxDistance(value: unknown, metric: Metric): number {
  const ranges: Record<Metric, [number, number]> = {
    cosine: [0, 2],
    l2: [0, Number.POSITIVE_INFINITY],
    l1: [0, Number.POSITIVE_INFINITY],
    ip: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  };
  const [lo, hi] = ranges[metric];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    const range = metric === 'ip' ? 'any finite number' : metric === 'cosine' ? 'a number from 0 to 2' : 'a finite number ≥ 0';
    throw errors.invalidArgument('maxDistance', `${range} (distances of the ${metric} metric)`, value);
  }
  return value;
}

/** A per-query metric must be one the backend's exact search supports. */
export function checkMetric(metric: unknown, backend: StorageBackend): Metric {
  if (!isMetric(metric)) throw errors.invalidArgument('metric', 'one of cosine, l2, ip, l1', metric);
  if (!backend.capabilities.metrics.includes(metric))
    throw errors.unsupportedMetric(metric, backend.capabilities.metrics, backend.name);
  return metric;
}
