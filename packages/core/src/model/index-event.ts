/**
 * What happened to an index: `build` (asked for: `vx.indexes.build`/`rebuild`, `vecdex index
 * build`), `rebuild` (vecdex rebuilt it on its own, for `cause`), `sync` (changes applied in
 * place). Kept in the store (`vx.indexes.history(name)`), so every process sees them.
 */
export type IndexEventKind = 'build' | 'sync' | 'rebuild';

/**
 * Why vecdex rebuilt an index on its own:
 * - `never-built`: a sync or search found it not built yet;
 * - `compaction`: deleted entries passed the plugin's compaction threshold (or the plugin asked,
 *   e.g. FAISS to retrain);
 * - `pending-fraction`: more changes were pending than half the indexed items;
 * - `damaged-files`: its files were missing or failed verification on load;
 * - `directory-was-file`: a plain file stood where its directory goes (moved aside);
 * - `cursor-expired`: tombstones it had not applied were pruned.
 */
export type RebuildCause =
  | 'never-built'
  | 'compaction'
  | 'pending-fraction'
  | 'damaged-files'
  | 'directory-was-file'
  | 'cursor-expired';

export interface IndexEvent {
  index: string;
  kind: IndexEventKind;
  /** When it finished, ms since the epoch. */
  at: number;
  durationMs: number;
  /** Entries built (`build`, `rebuild`) or changes applied (`sync`). */
  items: number;
  /** For `rebuild`: why, in words, and as a code. Null otherwise. */
  reason: string | null;
  cause: RebuildCause | null;
}

/** How often an index rebuilt itself over the events kept (see `IndexStatus.history`). */
export interface IndexHistorySummary {
  /** The newest events first (at most a few; `vx.indexes.history` for more). */
  recent: IndexEvent[];
  /** Events kept and looked at, from `since` on. */
  events: number;
  since: number | null;
  /** Automatic rebuilds among them, and per cause. */
  rebuilds: number;
  byCause: { [cause: string]: number };
  /** Automatic rebuilds per day over the span of the events (null with fewer than two events). */
  rebuildsPerDay: number | null;
}
