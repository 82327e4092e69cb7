import { describe } from '../errors/error-factories.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { FilterNode, FilterScalar } from './filter-ast.js';

const KEY_OPS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists']);
/** How deep `$and`/`$or`/`$not` may nest. */
export const MAX_FILTER_DEPTH = 32;
/**
 * How many conditions (key comparisons like `year: {$gte: 2020}`, plus each `$and`/`$or`/`$not`)
 * one filter may hold. Every backend must answer any filter within both limits, so they are
 * checked here, before a backend sees the filter (SQLite refuses expressions deeper than 1,000,
 * PostgreSQL takes at most 65,535 parameters).
 */
export const MAX_FILTER_CONDITIONS = 4096;
const MAX_DEPTH = MAX_FILTER_DEPTH;
const MAX_IN = 10_000;

/**
 * Parse and validate a user filter. Throws `INVALID_FILTER` whose message points at the
 * offending part with a path like `$or[1].year.$gte`.
 *
 * ```ts
 * parseFilter({ year: { $gte: 2020 } }) // { op: 'gte', path: ['year'], value: 2020 }
 * ```
 */
export function parseFilter(filter: unknown): FilterNode | null {
  if (filter === undefined || filter === null) return null;
  if (!isPlainObject(filter)) fail('', 'a filter must be an object like {"key": value}', filter);
  const node = parseObject(filter, '', 0, { conditions: 0 });
  return node;
}

interface Budget {
  conditions: number;
}

/** Count `n` more conditions; refuse the filter past `MAX_FILTER_CONDITIONS`. */
function spend(budget: Budget, n: number, at: string): void {
  budget.conditions += n;
  if (budget.conditions > MAX_FILTER_CONDITIONS) {
    fail(
      at,
      `a filter may hold at most ${MAX_FILTER_CONDITIONS} conditions (key comparisons plus $and/$or/$not); ` +
        'for many alternatives on one key use {"key": {"$in": [...]}} (up to 10000 values), or split the query',
    );
  }
}

function parseObject(obj: Record<string, unknown>, at: string, depth: number, budget: Budget): FilterNode {
  if (depth > MAX_DEPTH) fail(at, `filters may nest at most ${MAX_DEPTH} levels`);
  const parts: FilterNode[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const here = at === '' ? key : `${at}.${key}`;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) fail(here, `${key} takes a non-empty array of filters`, value);
      spend(budget, 1, here);
      const children = value.map((child, i) => {
        if (!isPlainObject(child)) fail(`${here}[${i}]`, 'expected a filter object', child);
        return parseObject(child, `${here}[${i}]`, depth + 1, budget);
      });
      parts.push({ op: key === '$and' ? 'and' : 'or', children });
    } else if (key === '$not') {
      if (!isPlainObject(value)) fail(here, '$not takes a filter object', value);
      spend(budget, 1, here);
      parts.push({ op: 'not', child: parseObject(value, here, depth + 1, budget) });
    } else if (key.startsWith('$')) {
      fail(here, `unknown operator ${key}; at the top level use $and, $or, $not or a metadata key`);
    } else {
      const leaves = parseKey(key, value, here);
      spend(budget, leaves.length, here);
      parts.push(...leaves);
    }
  }
  if (parts.length === 0) return { op: 'and', children: [] };
  return parts.length === 1 ? (parts[0] as FilterNode) : { op: 'and', children: parts };
}

function parseKey(key: string, value: unknown, at: string): FilterNode[] {
  const path = parsePath(key, at);
  if (!isPlainObject(value)) return [{ op: 'eq', path, value: scalar(value, at) }];
  const entries = Object.entries(value);
  if (entries.length === 0) fail(at, 'an operator object needs at least one operator like $eq');
  return entries.map(([op, operand]) => {
    const here = `${at}.${op}`;
    if (!KEY_OPS.has(op)) {
      fail(here, `unknown operator ${op}; use one of ${[...KEY_OPS].join(' ')} (nested objects are not values: use dotted keys)`);
    }
    switch (op) {
      case '$eq':
        return { op: 'eq', path, value: scalar(operand, here) };
      case '$ne':
        return { op: 'ne', path, value: scalar(operand, here) };
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (typeof operand !== 'string' && !(typeof operand === 'number' && Number.isFinite(operand))) {
          fail(here, `${op} compares numbers or strings`, operand);
        }
        return { op: op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte', path, value: operand };
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(operand)) fail(here, `${op} takes an array of values`, operand);
        if (operand.length > MAX_IN) fail(here, `${op} takes at most ${MAX_IN} values`);
        const values = operand.map((v, i) => scalar(v, `${here}[${i}]`));
        return { op: op === '$in' ? 'in' : 'nin', path, values };
      }
      default: {
        if (typeof operand !== 'boolean') fail(here, '$exists takes true or false', operand);
        return { op: 'exists', path, value: operand };
      }
    }
  });
}

function parsePath(key: string, at: string): string[] {
  const path = key.split('.');
  for (const part of path) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (part === '' || part.includes('"') || /[\u0000-\u001f\\]/.test(part)) {
      fail(
        at,
        `invalid metadata key "${key}": use dot-separated keys without empty parts, quotes, backslashes or control characters`,
      );
    }
  }
  return path;
}

function scalar(value: unknown, at: string): FilterScalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(at, 'numbers in filters must be finite', value);
    return value;
  }
  return fail(at, 'expected a string, number, boolean or null', value);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  // A Date, Map or class instance is a value, not a filter object: it is refused as a value.
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function fail(at: string, message: string, got?: unknown): never {
  const where = at === '' ? 'filter' : `filter at ${at}`;
  // describe(), not JSON.stringify: that renders NaN and Infinity as null and throws on BigInt or a cycle.
  const seen = got === undefined ? '' : ` (got ${describe(got)})`;
  throw new VecdexError('INVALID_FILTER', `${where}: ${message}${seen}`, { details: { at } });
}
