import type { ChangeCursor } from './change.js';
import type { JsonValue } from './item.js';

/**
 * A user-defined index over one or more collections (same dimensions and metric). Stored by the
 * backend so every process that opens the store sees it.
 */
export interface IndexDefinition {
  name: string;
  /** The index plugin's name, e.g. `hnswlib`. */
  plugin: string;
  collections: string[];
  params: { [key: string]: JsonValue };
  createdAt: number;
}

/** Where an index stands relative to the change feed, stored beside its definition. */
export interface IndexSyncState {
  /** The feed position the index reflects; `null` before the first build. */
  cursor: ChangeCursor | null;
  /** Free-form plugin state (file names, checksums, counters). */
  state: { [key: string]: JsonValue };
  updatedAt: number;
}
