import type { Filter, JsonValue, MmrOptions, SearchRequest, StalePolicy } from '@vecdex/core';
import { UsageError } from '../cli-error.js';
import { jsonOption } from '../parse-args.js';

/** Options `similar` and `search` share. */
export interface CommonQueryOptions {
  vector?: string;
  vectorFile?: string;
  id?: string;
  k: number;
  offset?: number;
  filter?: string;
  content?: boolean;
  index?: string;
  collections?: string[];
  exact?: boolean;
  stale?: StalePolicy;
  param?: Record<string, JsonValue>;
  maxDistance?: number;
  explain?: boolean;
}

/** Where a query goes: one collection (maybe through `--index`), or several (`--index` alone, `--collections`). */
export type QueryPlace = { collection: string } | { index?: string; collections?: string[] };

/**
 * Read the positional arguments `[collection] [text]`. Both given: a collection and a query text.
 * One given: the collection when a vector, a vector file or an id is the query, or when no
 * `--index`/`--collections` names other collections; otherwise the query text, searched over
 * the collections of `--index` (or `--collections`).
 */
export function readPositionals(
  first: string | undefined,
  second: string | undefined,
  opts: CommonQueryOptions,
  command: string,
): { place: QueryPlace; text: string | undefined } {
  const hasVector = opts.vector !== undefined || opts.vectorFile !== undefined || opts.id !== undefined;
  const many = opts.collections !== undefined;
  let collection: string | undefined;
  let text: string | undefined;
  if (second !== undefined) {
    collection = first;
    text = second;
  } else if (first !== undefined) {
    if (!hasVector && (many || opts.index !== undefined)) text = first;
    else collection = first;
  }
  if (collection !== undefined && many) {
    throw new UsageError(`give either a collection or --collections, not both`, `vecdex ${command} --collections a,b "question"`);
  }
  if (collection !== undefined) return { place: { collection }, text };
  if (!many && opts.index === undefined) {
    throw new UsageError(
      `name a collection, or --index / --collections to search several`,
      `vecdex ${command} docs "question", or vecdex ${command} --index all-notes "question"`,
    );
  }
  if (opts.id !== undefined) {
    throw new UsageError('--id names an item of one collection: give that collection', `vecdex ${command} docs --id doc-42`);
  }
  const place: QueryPlace = {
    ...(opts.index !== undefined ? { index: opts.index } : {}),
    ...(many ? { collections: opts.collections as string[] } : {}),
  };
  return { place, text };
}

/** The request fields every query shares: k, offset, filter, fields, index choice, thresholds. */
export function commonRequest(opts: CommonQueryOptions & { mmr?: boolean; lambda?: number; fetchK?: number }): SearchRequest {
  const filter = opts.filter === undefined ? null : (jsonOption('--filter', opts.filter, '{"lang": "en"}') as Filter);
  const mmr: MmrOptions | undefined =
    opts.mmr === true || opts.lambda !== undefined || opts.fetchK !== undefined
      ? {
          ...(opts.lambda !== undefined ? { lambda: opts.lambda } : {}),
          ...(opts.fetchK !== undefined ? { fetchK: opts.fetchK } : {}),
        }
      : undefined;
  return {
    k: opts.k,
    filter,
    include: { metadata: true, content: opts.content === true },
    ...(opts.offset !== undefined ? { offset: opts.offset } : {}),
    ...(opts.index !== undefined ? { index: opts.index } : {}),
    ...(opts.exact === true ? { exact: true } : {}),
    ...(opts.stale !== undefined ? { stale: opts.stale } : {}),
    ...(opts.param !== undefined ? { params: opts.param } : {}),
    ...(opts.maxDistance !== undefined ? { maxDistance: opts.maxDistance } : {}),
    ...(mmr !== undefined ? { mmr } : {}),
  };
}

/** Commander parser for a finite number (thresholds, lambda). */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`expected a number, got "${value}"`);
  return n;
}

/** Commander parser for an integer ≥ 0 (`--offset`). */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`expected an integer ≥ 0, got "${value}"`);
  return n;
}
