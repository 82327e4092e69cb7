import { errors } from '../errors/error-factories.js';
import type { Metadata, NormalizedItem } from '../model/item.js';
import type { Metric } from '../model/metric.js';
import { validateId } from './validate-id.js';
import { toVector } from './validate-vector.js';

/** Largest accepted metadata, serialised as JSON. */
export const MAX_METADATA_BYTES = 64 * 1024;
/** Largest accepted content. */
export const MAX_CONTENT_LENGTH = 16 * 1024 * 1024;

/** Validate one user item against its collection; returns what backends receive. */
export function normalizeItem(value: unknown, ctx: { collection: string; dimensions: number; metric: Metric }): NormalizedItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw errors.invalidItem('an item is an object {id, vector, content?, metadata?}');
  }
  const raw = value as Record<string, unknown>;
  const id = validateId(raw.id);
  if (!('vector' in raw) || raw.vector === undefined) throw errors.invalidVector('has no vector', id);
  const vector = toVector(raw.vector, { ...ctx, id });
  const content = raw.content ?? null;
  if (content !== null && typeof content !== 'string') throw errors.invalidItem('content must be a string', id);
  if (content !== null && content.length > MAX_CONTENT_LENGTH) {
    throw errors.invalidItem(`content is longer than ${MAX_CONTENT_LENGTH} characters`, id);
  }
  const metadata = normalizeMetadata(raw.metadata ?? null, id);
  return { id, vector, content, metadata };
}

/** Metadata must be a plain JSON object with finite numbers; it is stored as given. */
export function normalizeMetadata(value: unknown, id?: string): Metadata | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw errors.invalidItem('metadata must be a JSON object like {"key": "value"}', id);
  }
  checkJson(value, 'metadata', id, 0);
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > MAX_METADATA_BYTES) throw errors.invalidItem(`metadata is ${size} bytes; the limit is ${MAX_METADATA_BYTES}`, id);
  return value as Metadata;
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
