import { errors, VecdexError } from '@vecdex/core';
import type { Change, ChangeBatch, ChangeCursor, ReadChangesRequest } from '@vecdex/core';
import type { CollectionRow } from './collection-store.js';
import type { PgClient } from './connection.js';
import { ITEM_COLUMNS, toStoredItem, type ItemRow } from './item-row.js';
import type { SchemaNames } from './schema.js';

/** A feed position: the writing transaction's id (xid8) and the row's sequence number. */
export interface FeedPosition {
  xid: bigint;
  seq: bigint;
}

interface ChangeRow extends Partial<ItemRow> {
  item_id: string;
  op: 'upsert' | 'delete';
  change_modified: string;
  xid: string;
  seq: string;
  found: boolean | null;
}

/** The `meta` key holding the newest pruned tombstone's position. */
const PRUNED_KEY = 'tombstones_pruned_through';

/** The horizon: every transaction with a smaller id has finished (committed or aborted). */
const HORIZON_SQL = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h';

/**
 * The change feed, correct under concurrent writers.
 *
 * `changes` holds one row per item (its latest write, tombstones included) with the id of the
 * transaction that wrote it (`xid`, from `pg_current_xact_id()`) and a sequence number. The
 * feed order is `(xid, seq)`. A sequence number alone is not enough: PostgreSQL transactions
 * commit out of order, so a reader could move past seq 10 while the transaction holding seq 9
 * is still running, and never see it.
 *
 * Readers run in a REPEATABLE READ snapshot and only return rows whose `xid` is below the
 * snapshot's xmin `H` (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below `H`
 * has finished, so its rows are all visible (or it aborted). Any write that is still running, or
 * that starts later, has an xid of at least `H`. So once a reader returned every row below
 * `(x, s)`, no row at or below `(x, s)` can appear later, and the cursor `x:s` never skips a
 * committed change. A read that reaches the end moves the cursor to `H:0`. The cost: a long
 * write holds back what readers see until it finishes.
 */
export class ChangeFeed {
  constructor(
    private readonly names: SchemaNames,
    private readonly clock: () => number,
  ) {}

  /**
   * The `modified` time for a write: the clock, but never less than the last time handed out
   * (kept in a sequence, which takes no lock between concurrent writers), so it does not go
   * back when the clock does.
   */
  async nextModified(client: PgClient): Promise<number> {
    const raw = Math.floor(this.clock());
    const now = Number.isFinite(raw) ? raw : 0;
    const res = await client.query<{ m: string }>(
      `SELECT CASE WHEN $1::bigint > last_value THEN setval(${this.names.clockSeqLiteral}, $1::bigint) ELSE last_value END::text AS m
         FROM ${this.names.clockSeq}`,
      [now],
    );
    return Number(res.rows[0]?.m ?? now);
  }

  /**
   * SQL recording upserts of the ids selected by `source` (a query with an `id` column) as one
   * statement: `$1` is the collection id, `$2` the modified time. Rows are locked in id order,
   * like the items, so concurrent writers of overlapping ids cannot deadlock.
   */
  recordSql(source: string, op: 'upsert' | 'delete'): string {
    return `INSERT INTO ${this.names.changes} AS c (cid, item_id, op, modified, xid, seq)
      SELECT $1, s.id, '${op}', $2, pg_current_xact_id(), nextval(${this.names.changeSeqLiteral})
        FROM (${source}) s ORDER BY s.id
      ON CONFLICT (cid, item_id) DO UPDATE
        SET op = excluded.op, modified = excluded.modified, xid = excluded.xid, seq = excluded.seq`;
  }

  /**
   * Changes after `after` for these collections, in `(xid, seq)` order, with their items, in the
   * caller's REPEATABLE READ transaction (one snapshot).
   */
  async read(client: PgClient, collections: readonly CollectionRow[], request: ReadChangesRequest): Promise<ChangeBatch> {
    const after = parseCursor(request.after);
    const limit = request.limit;
    if (!Number.isInteger(limit) || limit < 1) throw errors.invalidArgument('limit', 'a positive integer', limit);
    const vectors = request.vectors ?? true;
    const horizon = await this.horizonFor(client, request.after);

    // One query per collection on the (cid, xid, seq) index, merged here.
    const rows: { c: CollectionRow; r: ChangeRow; pos: FeedPosition }[] = [];
    for (const c of collections) {
      const res = await client.query<ChangeRow>(
        `SELECT c.item_id, c.op, c.modified::text AS change_modified, c.xid::text AS xid, c.seq::text AS seq,
                (i.id IS NOT NULL) AS found, ${ITEM_COLUMNS('i', vectors)}
           FROM ${this.names.changes} c
           LEFT JOIN ${this.names.items(c.cid)} i ON c.op = 'upsert' AND i.id = c.item_id
          WHERE c.cid = $1 AND (c.xid, c.seq) > ($2::text::xid8, $3::bigint) AND c.xid < $4::text::xid8
          ORDER BY c.xid, c.seq LIMIT $5`,
        [c.cid, after.xid.toString(), after.seq.toString(), horizon.toString(), limit + 1],
      );
      for (const r of res.rows) rows.push({ c, r, pos: { xid: BigInt(r.xid), seq: BigInt(r.seq) } });
    }
    rows.sort((a, b) => comparePositions(a.pos, b.pos));
    const done = rows.length <= limit;
    if (!done) rows.length = limit;

    const changes: Change[] = rows.map(({ c, r }) => {
      const modified = Number(r.change_modified);
      if (r.op === 'delete') return { op: 'delete', collection: c.name, id: r.item_id, modified };
      if (r.found !== true) {
        throw new VecdexError(
          'STORE_CORRUPT',
          `schema "${this.names.name}": the change feed lists item "${r.item_id}" of "${c.name}", which is missing`,
          {
            details: { schema: this.names.name, collection: c.name, id: r.item_id },
          },
        );
      }
      return { op: 'upsert', collection: c.name, id: r.item_id, modified, item: toStoredItem(r as ItemRow, vectors) };
    });

    let cursor: ChangeCursor | null = request.after;
    const last = rows[rows.length - 1];
    if (last !== undefined) cursor = formatCursor(last.pos);
    if (done && horizon > after.xid) cursor = formatCursor({ xid: horizon, seq: 0n });
    return { changes, cursor, done };
  }

  /** How many changes of these collections `read` would return after `after` now. */
  async count(client: PgClient, collections: readonly CollectionRow[], after: ChangeCursor | null): Promise<number> {
    const pos = parseCursor(after);
    const horizon = await this.horizonFor(client, after);
    const res = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.names.changes}
        WHERE cid = ANY($1::int[]) AND (xid, seq) > ($2::text::xid8, $3::bigint) AND xid < $4::text::xid8`,
      [collections.map((c) => c.cid), pos.xid.toString(), pos.seq.toString(), horizon.toString()],
    );
    return Number(res.rows[0]?.n ?? 0);
  }

  /** The cursor after every change of every finished transaction. */
  async head(client: PgClient): Promise<ChangeCursor> {
    return formatCursor({ xid: await this.horizon(client), seq: 0n });
  }

  /**
   * Delete the tombstones at or before the oldest of `readers` (every finished one when it is
   * empty) and remember the newest deleted position: reads from an older cursor then throw
   * `CURSOR_EXPIRED`. Call inside a write transaction. A cursor was handed out only once every
   * row at or before it was final, so no tombstone at or before it can still appear.
   */
  async prune(client: PgClient, readers: readonly ChangeCursor[]): Promise<number> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vecdex:${this.names.name}:prune`]);
    const horizon = await this.horizon(client);
    let through: FeedPosition = { xid: horizon, seq: 0n };
    for (const r of readers) {
      const p = parseCursor(r);
      if (comparePositions(p, through) < 0) through = p;
    }
    const res = await client.query<{ xid: string; seq: string }>(
      `DELETE FROM ${this.names.changes}
        WHERE op = 'delete' AND (xid, seq) <= ($1::text::xid8, $2::bigint) AND xid < $3::text::xid8
        RETURNING xid::text AS xid, seq::text AS seq`,
      [through.xid.toString(), through.seq.toString(), horizon.toString()],
    );
    if (res.rows.length === 0) return 0;
    let newest: FeedPosition = { xid: 0n, seq: 0n };
    for (const r of res.rows) {
      const p = { xid: BigInt(r.xid), seq: BigInt(r.seq) };
      if (comparePositions(p, newest) > 0) newest = p;
    }
    const old = await client.query<{ value: string }>(`SELECT value FROM ${this.names.meta} WHERE key = '${PRUNED_KEY}'`);
    const before = old.rows[0] === undefined ? null : parseCursor(old.rows[0].value);
    if (before === null || comparePositions(newest, before) > 0) {
      await client.query(
        `INSERT INTO ${this.names.meta} (key, value) VALUES ('${PRUNED_KEY}', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [formatCursor(newest)],
      );
    }
    return res.rows.length;
  }

  /**
   * The horizon, after checking that a reader at `after` has not fallen behind pruned
   * tombstones (one round trip for both).
   */
  private async horizonFor(client: PgClient, after: ChangeCursor | null): Promise<bigint> {
    const res = await client.query<{ h: string; pruned: string | null }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h,
              (SELECT value FROM ${this.names.meta} WHERE key = '${PRUNED_KEY}') AS pruned`,
    );
    const row = res.rows[0];
    if (after !== null && row?.pruned != null && comparePositions(parseCursor(after), parseCursor(row.pruned)) < 0) {
      throw errors.cursorExpired(after, row.pruned);
    }
    return BigInt(row?.h ?? '0');
  }

  private async horizon(client: PgClient): Promise<bigint> {
    const res = await client.query<{ h: string }>(HORIZON_SQL);
    return BigInt(res.rows[0]?.h ?? '0');
  }
}

export function comparePositions(a: FeedPosition, b: FeedPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** `xid:seq`, both decimal. */
export function formatCursor(p: FeedPosition): ChangeCursor {
  return `${p.xid}:${p.seq}`;
}

/** A cursor this backend issued. `null` is "before the first change". */
export function parseCursor(cursor: ChangeCursor | null | undefined): FeedPosition {
  if (cursor === null || cursor === undefined) return { xid: 0n, seq: 0n };
  const m = typeof cursor === 'string' ? /^(\d{1,19}):(\d{1,19})$/.exec(cursor) : null;
  if (m === null) {
    throw errors.invalidArgument('cursor', 'a cursor issued by the pgvector backend ("<xid>:<seq>")', cursor);
  }
  const p = { xid: BigInt(m[1] as string), seq: BigInt(m[2] as string) };
  if (p.xid > 0x7fffffffffffffffn || p.seq > 0x7fffffffffffffffn) {
    throw errors.invalidArgument('cursor', 'a cursor issued by the pgvector backend (out of range)', cursor);
  }
  return p;
}
