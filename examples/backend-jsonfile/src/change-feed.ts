import { VecdexError, type Change, type ChangeBatch, type ChangeCursor, type ReadChangesRequest } from '@vecdex/core';
import type { FeedEntry, StoreState } from './store-state.js';

/** A cursor is the `seq` of the last change a reader has seen, as a decimal string. */
export function parseCursor(cursor: ChangeCursor | null): number {
  if (cursor === null) return 0;
  if (typeof cursor !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(cursor)) {
    throw new VecdexError(
      'INVALID_ARGUMENT',
      `change cursor ${JSON.stringify(cursor)} was not issued by vecdex-backend-jsonfile; pass null to read from the start`,
      {
        details: { name: 'after' },
      },
    );
  }
  return Number(cursor);
}

export function headCursor(state: StoreState): ChangeCursor | null {
  return state.seq === 0 ? null : String(state.seq);
}

/** Feed entries of `collections` after `after`, in seq order. */
function* entriesAfter(state: StoreState, collections: readonly string[], after: number): Iterable<FeedEntry> {
  const wanted = new Set(collections);
  for (const e of state.feed.values()) if (e.seq > after && wanted.has(e.collection)) yield e;
}

export function readChanges(state: StoreState, request: ReadChangesRequest): ChangeBatch {
  const after = parseCursor(request.after);
  if (!Number.isInteger(request.limit) || request.limit < 1) {
    throw new VecdexError('INVALID_ARGUMENT', `limit must be a positive integer, got ${String(request.limit)}`, {
      details: { name: 'limit' },
    });
  }
  const vectors = request.vectors !== false;
  const changes: Change[] = [];
  let last = after;
  let done = true;
  for (const e of entriesAfter(state, request.collections, after)) {
    if (changes.length === request.limit) {
      done = false;
      break;
    }
    changes.push(toChange(state, e, vectors));
    last = e.seq;
  }
  return { changes, cursor: last === 0 ? request.after : String(last), done };
}

export function countChanges(state: StoreState, collections: readonly string[], after: ChangeCursor | null): number {
  let n = 0;
  for (const _ of entriesAfter(state, collections, parseCursor(after))) n++;
  return n;
}

function toChange(state: StoreState, e: FeedEntry, vectors: boolean): Change {
  if (e.op === 'delete') return { op: 'delete', collection: e.collection, id: e.id, modified: e.modified };
  const r = state.items.get(e.collection)?.get(e.id);
  if (r === undefined) {
    throw new VecdexError('STORE_CORRUPT', `the change feed names ${e.collection}/${e.id}, which is not stored`);
  }
  const item = {
    id: r.id,
    content: r.content,
    metadata: structuredClone(r.metadata),
    contentHash: r.contentHash,
    modified: r.modified,
    ...(vectors ? { vector: Float32Array.from(r.vector) } : {}),
  };
  return { op: 'upsert', collection: e.collection, id: e.id, modified: e.modified, item };
}
