import { errors } from '../errors/error-factories.js';
import type { Metadata, NormalizedItem } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import { validateId } from './validate-id.js';
import { toVector } from './validate-vector.js';

/** Largest accepted metadata, serialised as JSON. */
export const MAX_METADATA_BYTES = 64 * 1024;
/** Longest accepted `contentHash`. */
export const MAX_CONTENT_HASH_LENGTH = 128;

/** Largest accepted content. */
export const MAX_CONTENT_LENGTH = 16 * 1024 * 1024;

/**
 * A `NormalizedItem` as `normalizeItem` returns it: a plain-looking object with the four fields,
 * which also remembers (privately, invisible to `Object.keys`, spread and equality checks) the
 * JSON text of the metadata it validated, so a backend need not serialise it a second time
 * (see {@link metadataJson}).
 */
class ValidatedItem implements NormalizedItem {
  id: string;
  vector: Float32Array;
  content: string | null;
  metadata: Metadata | null;
  declare contentHash?: string | null;
  /** `metadata` as validated, and its JSON text. */
  readonly #validated: Metadata | null;
  readonly #json: string | null;

  constructor(id: string, vector: Float32Array, content: string | null, metadata: Metadata | null, json: string | null) {
    this.id = id;
    this.vector = vector;
    this.content = content;
    this.metadata = metadata;
    this.#validated = metadata;
    this.#json = json;
  }

  static json(item: NormalizedItem): string | null | undefined {
    // Only while `metadata` is still the object that was validated (a caller may replace it).
    return #json in item && item.metadata === item.#validated ? item.#json : undefined;
  }
}

/**
 * The JSON text of an item's metadata (`null` for none), for backends that store metadata as
 * JSON: for an item from `normalizeItem` it is the text core produced while validating it (the
 * size limit applies to exactly this text), so it is not serialised again; for any other object
 * (built by hand, copied, or whose `metadata` was replaced since) it is `JSON.stringify`'d here.
 * Either way it equals `JSON.stringify(item.metadata)` as of validation.
 */
export function metadataJson(item: NormalizedItem): string | null {
  const cached = ValidatedItem.json(item);
  if (cached !== undefined) return cached;
  return item.metadata == null ? null : JSON.stringify(item.metadata);
}

/** Validate one user item against its collection; returns what backends receive. */
export function normalizeItem(value: unknown, ctx: { collection: string; dimensions: number; metric: Metric }): NormalizedItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.invalidItem('an item is an object {id, vector, content?, metadata?}');
  }
  const raw = value as Record<string, unknown>;
  const id = validateId(raw.id);
  if (!('vector' in raw) || raw.vector === undefined) throw errors.invalidVector('has no vector', id);
  const vector = toVector(raw.vector, ctx, id);
  const content = raw.content ?? null;
  if (content !== null && typeof content !== 'string') throw errors.invalidItem('content must be a string', id);
  if (content !== null && content.length > MAX_CONTENT_LENGTH) {
    throw errors.invalidItem(`content is longer than ${MAX_CONTENT_LENGTH} characters`, id);
  }
  const metadata = raw.metadata ?? null;
  const json = metadataText(metadata, id);
  const item = new ValidatedItem(id, vector, content, metadata as Metadata | null, json);
  const hash = raw.contentHash ?? null;
  if (hash !== null) {
    if (typeof hash !== 'string' || hash.length === 0 || hash.length > MAX_CONTENT_HASH_LENGTH) {
      throw errors.invalidItem(`contentHash must be a non-empty string of at most ${MAX_CONTENT_HASH_LENGTH} characters`, id);
    }
    item.contentHash = hash;
  }
  return item;
}

/** Metadata must be a plain JSON object with finite numbers; it is stored as given. */
export function normalizeMetadata(value: unknown, id?: string): Metadata | null {
  metadataText(value, id);
  return value as Metadata | null;
}

/** Validate metadata (see `normalizeMetadata`); returns its JSON text, or null for none. */
function metadataText(value: unknown, id: string | undefined): string | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw errors.invalidItem('metadata must be a JSON object like {"key": "value"}', id);
  }
  // The common case (valid JSON) without building a path string per value; when something is
  // wrong, the walk that names where runs (it is the authority: it throws, or accepts).
  if (!isJson(value, 0)) checkJson(value, 'metadata', id, 0);
  const json = JSON.stringify(value);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: count bytes only when that could matter.
  if (json.length * 3 > MAX_METADATA_BYTES) {
    const size = Buffer.byteLength(json);
    if (size > MAX_METADATA_BYTES) throw errors.invalidItem(`metadata is ${size} bytes; the limit is ${MAX_METADATA_BYTES}`, id);
  }
  return json;
}

/**
 * `checkJson` as a predicate: true when it would not throw. (It may say false where `checkJson`
 * accepts, e.g. an enumerable property added to `Object.prototype`, which `for...in` visits;
 * never the other way round.)
 */
function isJson(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in value) if (!isJson((value as Record<string, unknown>)[k], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

function checkJson(value: unknown, at: string, id: string | undefined, depth: number): void {
  if (depth > 32) throw errors.invalidItem(`${at} nests deeper than 32 levels`, id);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw errors.invalidItem(`${at} is ${value}; JSON numbers must be finite`, id);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], `${at}[${i}]`, id, depth + 1);
    return;
  }
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const [k, v] of Object.entries(value as object)) checkJson(v, `${at}.${k}`, id, depth + 1);
    return;
  }
  throw errors.invalidItem(`${at} is not JSON (a ${typeof value === 'object' ? value.constructor?.name : typeof value})`, id);
}
