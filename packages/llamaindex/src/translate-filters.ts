import { type Filter, VecdexError } from '@vecdex/core';
import type { MetadataFilter, MetadataFilters } from 'llamaindex';

/**
 * LlamaIndex `MetadataFilters` in vecdex's filter language, with LlamaIndex's semantics (those of
 * its SimpleVectorStore): every operator but `is_empty` needs the key to be present, so `!=` and
 * `nin` also require it (vecdex's `$ne` alone matches a missing key). Array operators (`any`,
 * `all`, `contains`) and `text_match` have no counterpart in vecdex's filter language (it compares
 * scalars) and are refused with `INVALID_ARGUMENT` rather than silently widened; `is_empty`
 * matches a missing key, `null` or `""` (an empty array cannot be told apart).
 *
 * ```ts
 * toVecdexFilter({ filters: [{ key: 'lang', value: 'en', operator: '==' }, { key: 'year', value: 2020, operator: '>=' }] })
 * // { $and: [{ lang: { $eq: 'en' } }, { year: { $gte: 2020 } }] }
 * ```
 */
export function toVecdexFilter(filters: MetadataFilters | undefined): Filter | null {
  if (filters === undefined || filters === null || filters.filters.length === 0) return null;
  const parts = filters.filters.map(one);
  const condition = filters.condition ?? 'and';
  if (condition !== 'and' && condition !== 'or') throw refuse(`filter condition "${condition}"`, 'use "and" or "or"');
  if (parts.length === 1) return parts[0] as Filter;
  return condition === 'and' ? { $and: parts } : { $or: parts };
}

const RANGE: Record<string, string> = { '>': '$gt', '<': '$lt', '>=': '$gte', '<=': '$lte' };

function one(f: MetadataFilter): Filter {
  const { key, value, operator } = f;
  if (typeof key !== 'string' || key === '') throw refuse('a filter without a key', 'give every filter a metadata key');
  const present = { [key]: { $exists: true } };
  switch (operator) {
    case '==':
      return { [key]: { $eq: scalar(value, operator) } };
    case '!=':
      return { $and: [present, { [key]: { $ne: scalar(value, operator) } }] };
    case '>':
    case '<':
    case '>=':
    case '<=':
      return { [key]: { [RANGE[operator] as string]: scalar(value, operator) } };
    case 'in':
      return { [key]: { $in: list(value, operator) } };
    case 'nin':
      return { $and: [present, { [key]: { $nin: list(value, operator) } }] };
    case 'is_empty':
      return { $or: [{ [key]: { $exists: false } }, { [key]: { $eq: null } }, { [key]: { $eq: '' } }] };
    default:
      throw refuse(
        `the filter operator "${operator}"`,
        'vecdex filters compare scalar metadata values (==, !=, <, <=, >, >=, in, nin, is_empty); store the values to match as scalar keys',
      );
  }
}

function scalar(value: unknown, operator: string): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw refuse(`a "${operator}" filter on ${JSON.stringify(value)}`, 'compare with a string or a number');
}

function list(value: unknown, operator: string): (string | number)[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value;
  throw refuse(`an "${operator}" filter on ${JSON.stringify(value)}`, 'give an array of strings or numbers');
}

function refuse(what: string, hint: string): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `the vecdex vector store does not support ${what}: ${hint}`, {
    details: { argument: 'filters' },
  });
}
