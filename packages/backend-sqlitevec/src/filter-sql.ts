import type { FilterNode, FilterScalar } from '@vecdex/core';

/** A compiled SQL boolean expression and its parameters, in order of the `?`s. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/**
 * Compile a parsed filter to a SQL expression over a JSON metadata column, with exactly the
 * semantics documented on `FilterNode` (and implemented by core's `filterPredicate`).
 *
 * ```ts
 * compileFilter({ op: 'gte', path: ['year'], value: 2020 })
 * // sql: IFNULL(json_type(metadata, ?) IN ('integer','real') AND json_extract(metadata, ?) >= json_extract(?, '$'), 0)
 * // params: ['$."year"', '$."year"', '2020']
 * ```
 *
 * How the semantics are kept:
 * - Only fixed text goes into the SQL; paths and operands are bound. A path becomes
 *   `$."k1"."k2"` (keys never contain `"`: parseFilter guarantees it). A SQL NULL column, a
 *   missing key and a key under a non-object all give `json_type(...) = NULL`, i.e. "missing".
 * - Every leaf is wrapped in `IFNULL(..., 0)`, so it is always 0 or 1 and `NOT` of a missing key
 *   is true (SQL's three-valued logic would make it NULL and drop the row from `$ne`/`$nin`).
 * - The JSON type is checked before the value, so 1 ≠ "1", true ≠ 1, and arrays/objects never
 *   equal a scalar.
 * - Number operands are bound as JSON text and read back with `json_extract(?, '$')`: SQLite's
 *   JSON number parser is not correctly rounded for extreme exponents and keeps integers past
 *   2^53 exact, so a number must go through the same parser as the stored metadata (which
 *   `JSON.stringify` wrote with the same digits) to compare equal to itself.
 * - `$and`/`$or` become balanced trees (see `balanced`), so a wide filter stays shallow; core's
 *   `parseFilter` bounds the size and nesting (`MAX_FILTER_CONDITIONS`, `MAX_FILTER_DEPTH`).
 * - Strings compare with SQLite's BINARY collation: UTF-8 byte order, which is code point order
 *   (core's `compareCodePoints`).
 */
export function compileFilter(
  node: FilterNode | null | undefined,
  column = 'metadata',
  filterable: readonly string[] = [],
): SqlFragment {
  const params: unknown[] = [];
  const indexed = new Set(filterable);
  const sql = node === null || node === undefined ? '1' : compile(node, column, params, indexed);
  return { sql, params };
}

/**
 * `indexed`: the collection's filterable fields (dotted), whose conditions are written in the
 * form their expression index (filterable-index.ts) matches, while they are not under a `NOT`.
 */
function compile(node: FilterNode, col: string, params: unknown[], indexed: ReadonlySet<string>): string {
  switch (node.op) {
    case 'and':
    case 'or': {
      if (node.children.length === 0) return node.op === 'and' ? '1' : '0';
      const parts = node.children.map((c) => compile(c, col, params, indexed));
      return balanced(parts, node.op === 'and' ? ' AND ' : ' OR ');
    }
    case 'not':
      return `NOT ${compile(node.child, col, params, NONE)}`;
    case 'exists':
      if (indexed.has(node.path.join('.')))
        return `(json_type(${col}, ${pathLiteral(node.path)}) IS ${node.value ? 'NOT NULL' : 'NULL'})`;
      params.push(jsonPath(node.path));
      return `(json_type(${col}, ?) IS ${node.value ? 'NOT NULL' : 'NULL'})`;
    case 'eq':
      if (indexed.has(node.path.join('.'))) return indexedCompare(col, node.path, node.value, '=', params);
      return equals(col, node.path, node.value, params);
    case 'ne':
      return `NOT ${equals(col, node.path, node.value, params)}`;
    case 'in':
      if (indexed.has(node.path.join('.'))) return indexedOneOf(col, node.path, node.values, params);
      return oneOf(col, node.path, node.values, params);
    case 'nin':
      return `NOT ${oneOf(col, node.path, node.values, params)}`;
    default: {
      const cmp = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[node.op];
      if (indexed.has(node.path.join('.'))) return indexedCompare(col, node.path, node.value, cmp, params);
      return typedCompare(col, node.path, node.value, cmp, params);
    }
  }
}

const NONE: ReadonlySet<string> = new Set();

/**
 * A comparison on a filterable field, in the terms of its index `(cid, json_type(m, P),
 * json_extract(m, P))`: the same type check and comparison as `typedCompare`/`equals`, with the
 * path spelled as a literal so SQLite matches the index expressions, and without the `IFNULL`
 * (a missing key makes it NULL rather than 0). That is only right where NULL and 0 act alike:
 * outside any `NOT`, where AND/OR of NULL and false agree; under a `NOT` (and for `$ne`/`$nin`)
 * the general form is used.
 */
function indexedCompare(col: string, path: string[], value: FilterScalar, cmp: string, params: unknown[]): string {
  const p = pathLiteral(path);
  if (typeof value === 'number') {
    params.push(JSON.stringify(value));
    return `(json_type(${col}, ${p}) IN ('integer','real') AND json_extract(${col}, ${p}) ${cmp} json_extract(?, '$'))`;
  }
  if (typeof value === 'string') {
    params.push(value);
    return `(json_type(${col}, ${p}) = 'text' AND json_extract(${col}, ${p}) ${cmp} ?)`;
  }
  return `(json_type(${col}, ${p}) = '${literalType(value)}')`;
}

/** `$in` on a filterable field: `oneOf` in the index's terms (see `indexedCompare`). */
function indexedOneOf(col: string, path: string[], values: FilterScalar[], params: unknown[]): string {
  const p = pathLiteral(path);
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const strings = values.filter((v): v is string => typeof v === 'string');
  const literals = [
    ...new Set(values.filter((v) => typeof v === 'boolean' || v === null).map((v) => literalType(v as boolean | null))),
  ];
  const parts: string[] = [];
  if (numbers.length > 0) {
    params.push(JSON.stringify(numbers));
    parts.push(
      `(json_type(${col}, ${p}) IN ('integer','real') AND json_extract(${col}, ${p}) IN (SELECT value FROM json_each(?)))`,
    );
  }
  if (strings.length > 0) {
    params.push(JSON.stringify(strings));
    parts.push(`(json_type(${col}, ${p}) = 'text' AND json_extract(${col}, ${p}) IN (SELECT value FROM json_each(?)))`);
  }
  if (literals.length > 0) parts.push(`json_type(${col}, ${p}) IN (${literals.map((t) => `'${t}'`).join(',')})`);
  if (parts.length === 0) return '0';
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

/**
 * A filterable field's JSON path as a SQL string literal, `'$."a"."b"'`: index expressions
 * cannot take parameters, so the path is spelled out. Safe because filterable keys are only
 * letters, digits, `_` and `-` (core's `validateFilterable`); checked again here.
 */
export function pathLiteral(path: readonly string[]): string {
  if (!path.every((k) => /^[A-Za-z0-9_-]+$/.test(k))) throw new Error(`internal: unsafe filterable path ${path.join('.')}`);
  return `'${jsonPath(path)}'`;
}

/**
 * `a OR b OR c OR d` as `((a OR b) OR (c OR d))`: SQLite parses a flat chain into a tree as deep
 * as it is long and refuses one deeper than 1,000 ("Expression tree is too large"), so n children
 * are joined as a balanced tree of depth log2(n). The `?`s stay in the children's order.
 */
function balanced(parts: string[], sep: string): string {
  const join = (from: number, to: number): string => {
    if (to - from === 1) return parts[from] as string;
    const mid = (from + to) >> 1;
    return `(${join(from, mid)}${sep}${join(mid, to)})`;
  };
  return parts.length === 1 ? `(${parts[0]})` : join(0, parts.length);
}

/** `IFNULL(<type check> AND <value> <cmp> <operand>, 0)` for a number or string operand. */
function typedCompare(col: string, path: string[], value: string | number, cmp: string, params: unknown[]): string {
  const p = jsonPath(path);
  if (typeof value === 'number') {
    params.push(p, p, JSON.stringify(value));
    return `IFNULL(json_type(${col}, ?) IN ('integer','real') AND json_extract(${col}, ?) ${cmp} json_extract(?, '$'), 0)`;
  }
  params.push(p, p, value);
  return `IFNULL(json_type(${col}, ?) = 'text' AND json_extract(${col}, ?) ${cmp} ?, 0)`;
}

function equals(col: string, path: string[], value: FilterScalar, params: unknown[]): string {
  if (typeof value === 'number' || typeof value === 'string') return typedCompare(col, path, value, '=', params);
  params.push(jsonPath(path));
  return `IFNULL(json_type(${col}, ?) = '${literalType(value)}', 0)`;
}

/** `$in`: numbers and strings each become one `IN (SELECT value FROM json_each(?))`. */
function oneOf(col: string, path: string[], values: FilterScalar[], params: unknown[]): string {
  const p = jsonPath(path);
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const strings = values.filter((v): v is string => typeof v === 'string');
  const literals = [
    ...new Set(values.filter((v) => typeof v === 'boolean' || v === null).map((v) => literalType(v as boolean | null))),
  ];
  const parts: string[] = [];
  if (numbers.length > 0) {
    params.push(p, p, JSON.stringify(numbers));
    parts.push(`(json_type(${col}, ?) IN ('integer','real') AND json_extract(${col}, ?) IN (SELECT value FROM json_each(?)))`);
  }
  if (strings.length > 0) {
    params.push(p, p, JSON.stringify(strings));
    parts.push(`(json_type(${col}, ?) = 'text' AND json_extract(${col}, ?) IN (SELECT value FROM json_each(?)))`);
  }
  if (literals.length > 0) {
    params.push(p);
    parts.push(`json_type(${col}, ?) IN (${literals.map((t) => `'${t}'`).join(',')})`);
  }
  if (parts.length === 0) return '0';
  return `IFNULL(${parts.join(' OR ')}, 0)`;
}

/** The `json_type` name of a literal: one of three fixed strings, never user text. */
function literalType(value: boolean | null): 'true' | 'false' | 'null' {
  return value === null ? 'null' : value ? 'true' : 'false';
}

/** `['a', 'b']` → `$."a"."b"` (bound as a parameter, never spliced into SQL). */
export function jsonPath(path: readonly string[]): string {
  return `$${path.map((k) => `."${k}"`).join('')}`;
}
