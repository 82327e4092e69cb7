import type { FilterNode } from './filter-ast.js';

/**
 * Whether a backend keeping `filterable` fields indexed (`CollectionPatch.filterable`) finds the
 * items matching `node` through those indexes, at a cost that grows with the matches rather
 * than with the collection: a condition (`$eq`, `$in`, a range, `$exists`) on a declared field,
 * an `$and` with at least one such child (the others are checked on the rows it finds), an
 * `$or` whose every child is one. `$ne`, `$nin` and anything under `$not` read every item.
 *
 * ```ts
 * isIndexedFilter(parseFilter({ tenant: 'a', lang: 'en' }), ['tenant']) // true
 * isIndexedFilter(parseFilter({ $or: [{ tenant: 'a' }, { lang: 'en' }] }), ['tenant']) // false
 * ```
 */
export function isIndexedFilter(node: FilterNode, filterable: readonly string[] | undefined): boolean {
  if (filterable === undefined || filterable.length === 0) return false;
  const walk = (n: FilterNode): boolean => {
    switch (n.op) {
      case 'and':
        return n.children.some(walk);
      case 'or':
        return n.children.length > 0 && n.children.every(walk);
      case 'not':
      case 'ne':
      case 'nin':
        return false;
      default:
        return filterable.includes(n.path.join('.'));
    }
  };
  return walk(node);
}
