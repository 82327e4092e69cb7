import type { Metadata } from '../model/item.js';
import type { FilterNode, FilterScalar } from './filter-ast.js';

const MISSING = Symbol('missing');

/**
 * Compile a parsed filter to an in-memory predicate over metadata, with exactly the semantics
 * documented on {@link FilterNode}. Index plugins and backends without a query language use it.
 */
export function filterPredicate(node: FilterNode | null): (metadata: Metadata | null) => boolean {
  if (node === null) return () => true;
  return (metadata) => evaluate(node, metadata);
}

function evaluate(node: FilterNode, md: Metadata | null): boolean {
  switch (node.op) {
    case 'and':
      return node.children.every((c) => evaluate(c, md));
    case 'or':
      return node.children.some((c) => evaluate(c, md));
    case 'not':
      return !evaluate(node.child, md);
    case 'exists':
      return (lookup(md, node.path) !== MISSING) === node.value;
    case 'eq':
      return scalarEquals(lookup(md, node.path), node.value);
    case 'ne':
      return !scalarEquals(lookup(md, node.path), node.value);
    case 'in': {
      const v = lookup(md, node.path);
      return node.values.some((x) => scalarEquals(v, x));
    }
    case 'nin': {
      const v = lookup(md, node.path);
      return !node.values.some((x) => scalarEquals(v, x));
    }
    default: {
      const v = lookup(md, node.path);
      if (typeof v !== typeof node.value) return false;
      const c = typeof v === 'number' ? v - (node.value as number) : compareCodePoints(v as string, node.value as string);
      if (node.op === 'gt') return c > 0;
      if (node.op === 'gte') return c >= 0;
      if (node.op === 'lt') return c < 0;
      return c <= 0;
    }
  }
}

function lookup(md: Metadata | null, path: readonly string[]): unknown {
  let cur: unknown = md;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, key)) return MISSING;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function scalarEquals(v: unknown, x: FilterScalar): boolean {
  if (v === MISSING) return false;
  if (x === null) return v === null;
  return typeof v === typeof x && v === x;
}

/** Compare strings by Unicode code point, which is the byte order of UTF-8 (SQLite's and PostgreSQL's "C" order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
