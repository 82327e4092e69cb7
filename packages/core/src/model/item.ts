/** A vector as users pass it. Core converts it to a `Float32Array` before any backend sees it. */
export type Vector = Float32Array | readonly number[];

/** A JSON value, as metadata holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Item metadata: a JSON object. Filters address its keys by dotted path (`"author.name"`). */
export type Metadata = { [key: string]: JsonValue };

/**
 * What users write. `id` is unique within a collection; writing an existing id replaces the item
 * (vector, content and metadata together).
 *
 * ```ts
 * await docs.upsert([{ id: 'a', vector: [0.1, 0.2, 0.3], content: 'hello', metadata: { lang: 'en' } }])
 * ```
 */
export interface Item {
  id: string;
  vector: Vector;
  content?: string | null;
  metadata?: Metadata | null;
  /**
   * A hash of the text the vector was computed from (the ingest pipeline sets it, so a re-run
   * re-embeds only items whose text changed). Stored even when `content` is not. At most 128
   * characters.
   */
  contentHash?: string | null;
}

/** An item after core validated it: what backends receive in `upsert`. */
export interface NormalizedItem {
  id: string;
  vector: Float32Array;
  content: string | null;
  metadata: Metadata | null;
  /** See `Item.contentHash`. Backends store it and return it from `get` and `scan`. */
  contentHash?: string | null;
}

/** An item as stored. `modified` is the backend's wall-clock time (ms since epoch) of its last write. */
export interface StoredItem {
  id: string;
  /** Present unless the read asked for no vectors. */
  vector?: Float32Array;
  content: string | null;
  metadata: Metadata | null;
  /** As upserted (`null` when none was given). */
  contentHash?: string | null;
  modified: number;
}
