import { VecdexError } from './vecdex-error.js';

/**
 * Named constructors for the errors users meet most. Each message names the thing that was
 * wrong and what would be right, so a CLI can print `err.message` and stop.
 */
export const errors = {
  dimensionMismatch(collection: string, expected: number, actual: number, id?: string): VecdexError {
    const what = id === undefined ? 'query vector' : `item "${id}"`;
    return new VecdexError(
      'DIMENSION_MISMATCH',
      `${what} has ${actual} dimensions but collection "${collection}" expects ${expected}`,
      { details: { collection, expected, actual, id } },
    );
  },
  invalidVector(reason: string, id?: string): VecdexError {
    const what = id === undefined ? 'query vector' : `item "${id}"`;
    return new VecdexError('INVALID_VECTOR', `${what}: ${reason}`, { details: { id, reason } });
  },
  invalidId(reason: string, id?: unknown): VecdexError {
    return new VecdexError('INVALID_ID', `invalid item id: ${reason}`, { details: { id } });
  },
  invalidItem(reason: string, id?: string): VecdexError {
    const what = id === undefined ? 'item' : `item "${id}"`;
    return new VecdexError('INVALID_ITEM', `${what}: ${reason}`, { details: { id, reason } });
  },
  invalidArgument(name: string, expected: string, actual: unknown): VecdexError {
    return new VecdexError('INVALID_ARGUMENT', `${name} must be ${expected}, got ${describe(actual)}`, {
      details: { name, expected },
    });
  },
  invalidName(kind: string, name: unknown): VecdexError {
    return new VecdexError(
      'INVALID_NAME',
      `invalid ${kind} name ${describe(name)}: use 1-64 characters from letters, digits, "_", "-" and ".", starting with a letter or digit${typeof name === 'string' && name.startsWith('_vecdex.') ? ' ("_vecdex." names are reserved for core\'s own collections)' : ''}`,
      { details: { kind, name } },
    );
  },
  unknownCollection(name: string, known: readonly string[] = []): VecdexError {
    const hint = known.length > 0 ? ` (existing: ${known.slice(0, 10).join(', ')})` : ' (there are no collections yet)';
    return new VecdexError(
      'UNKNOWN_COLLECTION',
      `unknown collection "${name}"${hint}; create it first with collections.create() or \`vecdex collections create\``,
      { details: { collection: name } },
    );
  },
  collectionExists(name: string): VecdexError {
    return new VecdexError('COLLECTION_EXISTS', `collection "${name}" already exists`, { details: { collection: name } });
  },
  unsupportedMetric(metric: unknown, supported: readonly string[], backend?: string): VecdexError {
    const where = backend === undefined ? '' : ` by backend "${backend}"`;
    return new VecdexError(
      'UNSUPPORTED_METRIC',
      `metric ${describe(metric)} is not supported${where}; use one of: ${supported.join(', ')}`,
      { details: { metric, supported } },
    );
  },
  unknownIndex(name: string): VecdexError {
    return new VecdexError('UNKNOWN_INDEX', `unknown index "${name}"`, { details: { index: name } });
  },
  /** A feed read from a cursor older than tombstones that were pruned: it may have missed deletes. */
  cursorExpired(cursor: string, prunedThrough: string): VecdexError {
    return new VecdexError(
      'CURSOR_EXPIRED',
      `change feed cursor ${cursor} is older than tombstones pruned through ${prunedThrough}: deletes after it may be gone; read the feed again from the beginning (cursor null) and rebuild what you derived from it`,
      { details: { cursor, prunedThrough } },
    );
  },
  notSupported(what: string, backend: string): VecdexError {
    return new VecdexError('NOT_SUPPORTED', `${what} is not supported by backend "${backend}"`, {
      details: { backend },
    });
  },
};

/** A short, safe rendering of an unexpected value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a value of type ${typeof value}`;
}
