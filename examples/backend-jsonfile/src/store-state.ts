import type { CollectionInfo, IndexDefinition, IndexSyncState, Metadata } from '@vecdex/core';
import { FORMAT, FORMAT_VERSION } from './snapshot-file.js';

/** One stored item. Records are replaced, never changed in place, so a running scan keeps its view. */
export interface ItemRecord {
  id: string;
  vector: Float32Array;
  content: string | null;
  metadata: Metadata | null;
  contentHash: string | null;
  modified: number;
}

/** The latest change of one item: its position (`seq`) in the feed, and whether it exists. */
export interface FeedEntry {
  seq: number;
  op: 'upsert' | 'delete';
  collection: string;
  id: string;
  modified: number;
}

type ItemRow = [
  id: string,
  vector: string,
  content: string | null,
  metadata: Metadata | null,
  contentHash: string | null,
  modified: number,
];
type FeedRow = [seq: number, op: 'upsert' | 'delete', collection: string, id: string, modified: number];

/** The file's content: everything, as plain JSON. Vectors are base64 float32, so they come back bit for bit. */
export interface Snapshot {
  format: typeof FORMAT;
  version: number;
  seq: number;
  lastModified: number;
  collections: CollectionInfo[];
  items: { [collection: string]: ItemRow[] };
  feed: FeedRow[];
  indexes: IndexDefinition[];
  indexStates: [string, IndexSyncState][];
}

export const keyOf = (collection: string, id: string): string => `${collection}\u0000${id}`;

/**
 * The whole store in memory. The feed holds one entry per item ever written (its latest change),
 * in a Map whose insertion order is `seq` order: a write deletes the item's entry and appends a
 * new one with the next `seq`. That makes the feed a commit-ordered log that collapses to the
 * latest state, read from a cursor that is just a `seq`.
 */
export class StoreState {
  readonly collections = new Map<string, CollectionInfo>();
  readonly items = new Map<string, Map<string, ItemRecord>>();
  readonly feed = new Map<string, FeedEntry>();
  readonly indexes = new Map<string, IndexDefinition>();
  readonly indexStates = new Map<string, IndexSyncState>();
  /** The last `seq` handed out. Never decreases, never reused (not even after a collection is deleted). */
  seq = 0;
  /** The largest `modified` so far: later writes never get a smaller one, even if the clock steps back. */
  lastModified = 0;

  /** Append a change to the feed, moving the item's entry to the end. */
  record(op: FeedEntry['op'], collection: string, id: string, modified: number): void {
    const key = keyOf(collection, id);
    this.feed.delete(key);
    this.feed.set(key, { seq: ++this.seq, op, collection, id, modified });
  }

  toSnapshot(): Snapshot {
    const items: Snapshot['items'] = {};
    for (const [collection, records] of this.items) {
      items[collection] = [...records.values()].map((r) => [
        r.id,
        encodeVector(r.vector),
        r.content,
        r.metadata,
        r.contentHash,
        r.modified,
      ]);
    }
    return {
      format: FORMAT,
      version: FORMAT_VERSION,
      seq: this.seq,
      lastModified: this.lastModified,
      collections: [...this.collections.values()],
      items,
      feed: [...this.feed.values()].map((e) => [e.seq, e.op, e.collection, e.id, e.modified]),
      indexes: [...this.indexes.values()],
      indexStates: [...this.indexStates.entries()],
    };
  }

  static fromSnapshot(s: Snapshot): StoreState {
    const state = new StoreState();
    state.seq = s.seq;
    state.lastModified = s.lastModified;
    for (const c of s.collections) {
      state.collections.set(c.name, c);
      state.items.set(c.name, new Map());
    }
    for (const [collection, rows] of Object.entries(s.items)) {
      const records = state.items.get(collection) ?? new Map<string, ItemRecord>();
      for (const [id, vector, content, metadata, contentHash, modified] of rows) {
        records.set(id, { id, vector: decodeVector(vector), content, metadata, contentHash, modified });
      }
      state.items.set(collection, records);
    }
    for (const [seq, op, collection, id, modified] of s.feed)
      state.feed.set(keyOf(collection, id), { seq, op, collection, id, modified });
    for (const d of s.indexes) state.indexes.set(d.name, d);
    for (const [name, st] of s.indexStates) state.indexStates.set(name, st);
    return state;
  }
}

function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
