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
export function compileFilter(node: FilterNode | null | undefined, params: unknown[], column = 'metadata'): string {
  return node === null || node === undefined ? 'true' : compile(node, column, { params, paths: new Map() });
}

/** The caller's parameter list, and which placeholder already holds each path bound. */
interface Binds {
  params: unknown[];
  paths: Map<string, string>;
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
      return `(NOT ${compile(node.child, col, b)})`;
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
