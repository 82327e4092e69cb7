import { errors, VecdexError } from '@vecdex/core';
import type { Change, ChangeBatch, ChangeCursor, ReadChangesRequest, StoredItem } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { Connection } from './connection.js';
import type { ItemStore } from './item-store.js';

interface ChangeRow {
  seq: number;
  cid: number;
  item_id: string;
  op: 'upsert' | 'delete';
  modified: number;
}

/**
 * The change feed: `vecdex_changes` holds one row per item, its latest write. Each write deletes
 * the item's previous row and inserts a new one, whose `seq` (AUTOINCREMENT, never reused) is
 * the feed position. SQLite runs one write transaction at a time and a reader sees whole
 * commits only, so commit order is `seq` order and a reader that continues after the last seq
 * it saw can never skip a change. The cursor is that seq as a decimal string; the wall clock
 * (`modified`) is only for people, and is kept from going backwards.
 */
export class ChangeFeed {
  constructor(
    private readonly conn: Connection,
    private readonly clock: () => number,
  ) {}

  /**
   * The `modified` time for a write transaction: the clock, but never less than the last time
   * handed out, even when the clock steps back. Call inside the write transaction.
   */
  nextModified(): number {
    const now = Math.floor(this.clock());
    const lastRaw = this.conn.prepare(`SELECT value FROM vecdex_meta WHERE key = 'last_modified'`).pluck().get();
    const last = lastRaw === undefined ? Number.NEGATIVE_INFINITY : Number(lastRaw);
    const modified = Number.isFinite(now) ? Math.max(now, last) : last;
    const value = Number.isFinite(modified) ? modified : 0;
    this.conn
      .prepare(
        `INSERT INTO vecdex_meta (key, value) VALUES ('last_modified', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      )
      .run(String(value));
    return value;
  }

  /**
   * A function that records the latest write of an item; call it inside the write transaction of
   * the write. Its statements are looked up once, for a loop over the items of one write.
   */
  recorder(): (cid: number, itemId: string, op: 'upsert' | 'delete', modified: number) => void {
    const unlog = this.conn.prepare('DELETE FROM vecdex_changes WHERE cid = ? AND item_id = ?');
    const log = this.conn.prepare('INSERT INTO vecdex_changes (cid, item_id, op, modified) VALUES (?, ?, ?, ?)');
    return (cid, itemId, op, modified) => {
      unlog.run(cid, itemId);
      log.run(cid, itemId, op, modified);
    };
  }

  /**
   * Changes after `after` for these collections, in seq order, read with their items in one
   * snapshot. When the batch reaches the end, the cursor moves to the head of the whole feed
   * (everything up to it was seen or belongs to other collections).
   */
  read(collections: readonly CollectionRow[], request: ReadChangesRequest, items: ItemStore): ChangeBatch {
    const after = parseCursor(request.after);
    this.checkNotPruned(request.after);
    const limit = request.limit;
    if (!Number.isInteger(limit) || limit < 1) throw errors.invalidArgument('limit', 'a positive integer', limit);
    const byCid = new Map(collections.map((c) => [c.cid, c]));
    // One query per collection on the (cid, seq) index, merged here: each reads at most
    // limit + 1 rows in index order, where a single `cid IN (...) ORDER BY seq` would sort every
    // remaining change of those collections on every batch.
    const select = this.conn.prepare(
      'SELECT seq, cid, item_id, op, modified FROM vecdex_changes WHERE cid = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    const rows = [...byCid.keys()].flatMap((cid) => select.all(cid, after, limit + 1) as ChangeRow[]);
    rows.sort((a, b) => a.seq - b.seq);
    const done = rows.length <= limit;
    if (!done) rows.length = limit;

    // The upserted items, read per collection in batches (one statement per 500 items, not per change).
    const stored = new Map<number, Map<string, StoredItem>>();
    for (const [cid, collection] of byCid) {
      const ids = rows.filter((r) => r.cid === cid && r.op === 'upsert').map((r) => r.item_id);
      if (ids.length === 0) continue;
      stored.set(cid, new Map(items.get(collection, ids, request.vectors ?? true).map((it) => [it.id, it])));
    }
    const changes: Change[] = rows.map((r) => {
      const collection = byCid.get(r.cid) as CollectionRow;
      if (r.op === 'delete') return { op: 'delete', collection: collection.name, id: r.item_id, modified: r.modified };
      const item = stored.get(r.cid)?.get(r.item_id);
      if (item === undefined) {
        throw new VecdexError(
          'STORE_CORRUPT',
          `${this.conn.file}: the change feed lists item "${r.item_id}" of "${collection.name}", which is missing`,
        );
      }
      return { op: 'upsert', collection: collection.name, id: r.item_id, modified: r.modified, item };
    });

    let cursor: ChangeCursor | null = request.after;
    const last = rows[rows.length - 1];
    if (last !== undefined) cursor = String(last.seq);
    if (done) {
      const head = this.headSeq();
      if (head !== null && head > (last?.seq ?? after)) cursor = String(head);
    }
    return { changes, cursor, done };
  }

  /** How many changes of these collections lie after `after`. */
  count(collections: readonly CollectionRow[], after: ChangeCursor | null): number {
    this.checkNotPruned(after);
    return this.conn
      .prepare('SELECT count(*) FROM vecdex_changes WHERE seq > ? AND cid IN (SELECT value FROM json_each(?))')
      .pluck()
      .get(parseCursor(after), JSON.stringify(collections.map((c) => c.cid))) as number;
  }

  /**
   * Delete the tombstones at or before the oldest of `readers` (every one when it is empty), and
   * remember the newest deleted seq: reads from an older cursor then throw `CURSOR_EXPIRED`.
   * Call inside a write transaction.
   */
  prune(readers: readonly ChangeCursor[]): number {
    const through = readers.length === 0 ? (this.headSeq() ?? 0) : Math.min(...readers.map((r) => parseCursor(r)));
    const newest = this.conn
      .prepare(`SELECT max(seq) FROM vecdex_changes WHERE op = 'delete' AND seq <= ?`)
      .pluck()
      .get(through) as number | null;
    if (newest === null) return 0;
    const deleted = this.conn.prepare(`DELETE FROM vecdex_changes WHERE op = 'delete' AND seq <= ?`).run(through).changes;
    if (newest > this.prunedThrough()) {
      this.conn
        .prepare(
          `INSERT INTO vecdex_meta (key, value) VALUES ('tombstones_pruned_through', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        )
        .run(String(newest));
    }
    return deleted;
  }

  /** The newest pruned tombstone's seq (0 when none was pruned). */
  private prunedThrough(): number {
    const raw = this.conn.prepare(`SELECT value FROM vecdex_meta WHERE key = 'tombstones_pruned_through'`).pluck().get();
    return raw === undefined ? 0 : Number(raw);
  }

  /** A reader at a non-null cursor before a pruned tombstone may have missed a delete. */
  private checkNotPruned(after: ChangeCursor | null): void {
    if (after === null) return;
    const pruned = this.prunedThrough();
    if (parseCursor(after) < pruned) throw errors.cursorExpired(after, String(pruned));
  }

  /** The cursor after every change committed so far, or null when there was none. */
  head(): ChangeCursor | null {
    const seq = this.headSeq();
    return seq === null ? null : String(seq);
  }

  private headSeq(): number | null {
    const seq = this.conn.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'vecdex_changes'`).pluck().get();
    return typeof seq === 'number' ? seq : null;
  }
}

/** A cursor this backend issued: the decimal seq. `null` is "before the first change". */
export function parseCursor(cursor: ChangeCursor | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  if (typeof cursor !== 'string' || !/^\d{1,15}$/.test(cursor)) {
    throw errors.invalidArgument('cursor', 'a cursor issued by the sqlitevec backend (a decimal number)', cursor);
  }
  return Number(cursor);
}
