import type { FilterNode, FilterScalar } from '@vecdex/core';

/**
 * Compile a parsed filter to a SQL boolean expression over a jsonb metadata column, with exactly
 * the semantics documented on `FilterNode` (and implemented by core's `filterPredicate`). Bound
 * values are appended to `params`; placeholders continue from `params.length` (`$3`, `$4`...).
 *
 * ```ts
 * const params: unknown[] = [collectionId]
 * compileFilter({ op: 'gte', path: ['year'], value: 2020 }, params)
 * // COALESCE(jsonb_typeof((metadata -> ($2::text[])[1])) = 'number' AND (metadata -> ($2::text[])[1]) >= $3::jsonb, false)
 * // params: [collectionId, ['year'], '2020']
 * ```
 *
 * How the semantics are kept:
 * - Only fixed text goes into the SQL; path keys and operands are bound. A path is a chain of
 *   `-> ($n::text[])[i]` over one bound array, which looks up object keys only: a missing key, a key under an array or a
 *   scalar, and a SQL NULL column all give SQL NULL, i.e. "missing" (`#>` would read `"0"` as an
 *   array index, which core's lookup does not).
 * - Every leaf is `COALESCE(..., false)` (or `IS [NOT] NULL`), so it is never NULL and `NOT` of
 *   a missing key is true (`$ne`/`$nin` match missing keys).
 * - Equality is jsonb equality with the operand as JSON: same type and value (1 ≠ "1",
 *   true ≠ 1, arrays/objects never equal a scalar). Numbers compare as `numeric`; both sides
 *   were written by `JSON.stringify`, whose shortest round-trip digits keep double order.
 * - Ranges check `jsonb_typeof` first; numbers compare as jsonb numbers, strings as text in the
 *   "C" collation: byte order of UTF-8, which is code point order (core's `compareCodePoints`),
 *   whatever the database's collation.
 */
export function compileFilter(
  node: FilterNode | null | undefined,
  params: unknown[],
  column = 'metadata',
  filterable: readonly string[] = [],
): string {
  if (node === null || node === undefined) return 'true';
  return compile(node, column, { params, paths: new Map(), indexed: new Set(filterable) });
}

/**
 * The caller's parameter list, which placeholder already holds each path bound, and the
 * collection's filterable fields (dotted): outside any `NOT`, a condition on one of those is
 * written over `(metadata -> 'k1' -> 'k2')` with the keys spelled out, the expression its btree
 * index (filterable-index.ts) is built on, and without the `COALESCE` (NULL and false act alike
 * there), so PostgreSQL can answer it from the index.
 */
interface Binds {
  params: unknown[];
  paths: Map<string, string>;
  indexed: ReadonlySet<string>;
}

function compile(node: FilterNode, col: string, b: Binds): string {
  switch (node.op) {
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.op === 'and' ? 'true' : 'false';
      const parts = node.children.map((c) => compile(c, col, b));
      return `(${parts.join(node.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT ${compile(node.child, col, { ...b, indexed: NONE })})`;
    case 'exists':
    case 'eq':
    case 'in':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (b.indexed.has(node.path.join('.'))) {
        const indexed = indexedCondition(col, node, b);
        if (indexed !== null) return indexed;
      }
      return general(node, col, b);
    default:
      return general(node, col, b);
  }
}

const NONE: ReadonlySet<string> = new Set();

/**
 * A condition on a filterable field in the index's terms: jsonb equality (same type and value,
 * as `equals`), `= ANY`, and number ranges with the `jsonb_typeof` check after the indexable
 * comparison. String ranges keep the general form: they compare in the "C" collation, jsonb's
 * own order uses the database's.
 */
function indexedCondition(col: string, node: FilterNode, b: Binds): string | null {
  if (!('path' in node)) return null;
  const v = indexedValue(col, node.path);
  switch (node.op) {
    case 'exists':
      return `(${v} IS ${node.value ? 'NOT NULL' : 'NULL'})`;
    case 'eq':
      return `(${v} = ${bind(b, JSON.stringify(node.value))}::jsonb)`;
    case 'in':
      if (node.values.length === 0) return 'false';
      return `(${v} = ANY(${bind(
        b,
        node.values.map((x) => JSON.stringify(x)),
      )}::jsonb[]))`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof node.value !== 'number') return null;
      const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op];
      return `(${v} ${cmp} ${bind(b, JSON.stringify(node.value))}::jsonb AND jsonb_typeof(${v}) = 'number')`;
    }
    default:
      return null;
  }
}

/**
 * `(metadata -> 'a' -> 'b')`, keys as literals: an index expression cannot take parameters.
 * Safe because filterable keys are only letters, digits, `_` and `-` (core's
 * `validateFilterable`); checked again here.
 */
export function indexedValue(col: string, path: readonly string[]): string {
  if (!path.every((k) => /^[A-Za-z0-9_-]+$/.test(k))) throw new Error(`internal: unsafe filterable path ${path.join('.')}`);
  return `(${col}${path.map((k) => ` -> '${k}'`).join('')})`;
}

function general(node: FilterNode, col: string, b: Binds): string {
  switch (node.op) {
    case 'and':
    case 'or':
    case 'not':
      return compile(node, col, b);
    case 'exists':
      return `(${value(col, node.path, b)} IS ${node.value ? 'NOT NULL' : 'NULL'})`;
    case 'eq':
      return equals(col, node.path, node.value, b);
    case 'ne':
      return `(NOT ${equals(col, node.path, node.value, b)})`;
    case 'in':
      return oneOf(col, node.path, node.values, b);
    case 'nin':
      return `(NOT ${oneOf(col, node.path, node.values, b)})`;
    default: {
      const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op];
      const v = value(col, node.path, b);
      if (typeof node.value === 'number') {
        const p = bind(b, JSON.stringify(node.value));
        return `COALESCE(jsonb_typeof(${v}) = 'number' AND ${v} ${cmp} ${p}::jsonb, false)`;
      }
      const p = bind(b, node.value);
      return `COALESCE(jsonb_typeof(${v}) = 'string' AND (${v} #>> '{}') COLLATE "C" ${cmp} ${p}::text COLLATE "C", false)`;
    }
  }
}

function equals(col: string, path: string[], operand: FilterScalar, b: Binds): string {
  const v = value(col, path, b);
  return `COALESCE(${v} = ${bind(b, JSON.stringify(operand))}::jsonb, false)`;
}

/** `$in`: jsonb equality with any element of a bound `jsonb[]`. */
function oneOf(col: string, path: string[], values: FilterScalar[], b: Binds): string {
  if (values.length === 0) return 'false';
  const v = value(col, path, b);
  return `COALESCE(${v} = ANY(${bind(
    b,
    values.map((x) => JSON.stringify(x)),
  )}::jsonb[]), false)`;
}

/**
 * `(metadata -> ($1::text[])[1] -> ($1::text[])[2])`: the value at a path, SQL NULL when missing.
 * The path is bound once as one `text[]` (reused by every condition on it), so a filter takes at
 * most two parameters per condition, whatever its paths' lengths: PostgreSQL takes 65,535.
 */
function value(col: string, path: readonly string[], b: Binds): string {
  const key = JSON.stringify(path);
  let p = b.paths.get(key);
  if (p === undefined) {
    p = bind(b, [...path]);
    b.paths.set(key, p);
  }
  return `(${col}${path.map((_, i) => ` -> (${p}::text[])[${i + 1}]`).join('')})`;
}

function bind(b: Binds, v: unknown): string {
  b.params.push(v);
  return `$${b.params.length}`;
}
