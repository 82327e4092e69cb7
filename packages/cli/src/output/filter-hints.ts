/**
 * Why a filter may have matched nothing, for the "no results" note: a comparison whose value is
 * a string of digits (`{"year": {"$gte": "2010"}}`) never matches a field stored as a number, as
 * in JSON, and it is the usual slip on a command line. One hint per such field.
 */
const COMPARISONS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);
const NUMERIC = /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/;

export function filterHints(filter: unknown): string[] {
  const hints = new Map<string, string>();
  const visit = (node: unknown, field: string | null): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, field);
      return;
    }
    if (typeof node === 'string' && field !== null && NUMERIC.test(node) && !hints.has(field)) {
      hints.set(
        field,
        `the filter compares "${field}" with the string "${node}": if "${field}" holds numbers, write ${node.trim()} without quotes (numbers compare only with numbers)`,
      );
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('$'))
        visit(value, COMPARISONS.has(key) ? field : key === '$and' || key === '$or' || key === '$not' ? null : field);
      else visit(value, key);
    }
  };
  visit(filter, null);
  return [...hints.values()];
}
