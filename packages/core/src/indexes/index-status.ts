import type { ChangeCursor } from '../model/change.js';
import type { IndexDefinition } from '../model/index-definition.js';
import type { IndexStats } from '../contracts/index-plugin.js';
import type { IndexHistorySummary } from '../model/index-event.js';

/** What `vx.indexes.status(name)` reports. */
export interface IndexStatus {
  definition: IndexDefinition;
  /** False until the first build. */
  built: boolean;
  /** The change-feed position the index reflects. */
  cursor: ChangeCursor | null;
  /** Changes of its collections committed after `cursor`. */
  pendingChanges: number;
  /** Live entries in the index. */
  items: number;
  /** Removed entries still taking space. */
  deleted: number;
  /** deleted / (items + deleted). */
  deletedFraction: number;
  bytesOnDisk: number | null;
  /** Wall-clock time of the last build or sync (ms), or null. */
  lastSync: number | null;
  /** Plugin statistics. */
  stats: IndexStats | null;
  /** Why this process last rebuilt the index rather than loading or syncing it (compaction, corrupt files...). */
  lastRebuild: string | null;
  /** Recent builds, syncs and rebuilds, and how often it rebuilt itself (see `vx.indexes.history`). */
  history: IndexHistorySummary;
}

/**
 * What a search does when the index is behind the store:
 * - `sync` (default): apply pending changes first, so results reflect every committed write;
 * - `allow`: search as is, and report how far behind in the result;
 * - `error`: refuse with `INDEX_STALE`, saying how many changes are pending.
 */
export type StalePolicy = 'sync' | 'allow' | 'error';
