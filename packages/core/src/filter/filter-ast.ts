/**
 * The metadata filter language, as users write it (Mongo style, like Chroma, Pinecone and
 * LangChain stores):
 *
 * ```ts
 * { lang: 'en', year: { $gte: 2020 }, $or: [{ tag: { $in: ['a', 'b'] } }, { 'author.name': { $exists: true } }] }
 * ```
 *
 * Operators: `$eq $ne $gt $gte $lt $lte $in $nin $exists` on a key, `$and $or $not` to combine.
 * A bare value means `$eq`. Keys are dotted paths into metadata.
 */
export type Filter = { [key: string]: unknown };

/** A scalar a filter compares against. */
export type FilterScalar = string | number | boolean | null;

/**
 * The parsed form every backend and index compiles. Produced only by `parseFilter`, so a
 * backend can trust its shape: paths are non-empty arrays of keys without `"`, comparison
 * values are scalars, range comparisons are on numbers or strings.
 *
 * Semantics (identical in every compiler, and checked by a property test):
 * - `eq`: the value at `path` exists, has the same JSON type and is equal (1 ≠ "1"; `true` ≠ 1).
 * - `ne`: not `eq` — so a missing key matches `$ne`.
 * - `gt/gte/lt/lte`: the value exists, has the same type as the operand (number or string), and
 *   compares true; strings compare by Unicode code point.
 * - `in`: `eq` to any of `values`; `nin`: not `in`.
 * - `exists`: the key is present (a JSON `null` value is present).
 * - Arrays and objects in metadata are never equal to a scalar.
 */
export type FilterNode =
  | { op: 'and' | 'or'; children: FilterNode[] }
  | { op: 'not'; child: FilterNode }
  | { op: 'eq' | 'ne'; path: string[]; value: FilterScalar }
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; path: string[]; value: string | number }
  | { op: 'in' | 'nin'; path: string[]; values: FilterScalar[] }
  | { op: 'exists'; path: string[]; value: boolean };
