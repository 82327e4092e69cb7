import { randomBytes } from 'node:crypto';
import type { StorageBackend } from '../contracts/storage-backend.js';
import { isVecdexError } from '../errors/vecdex-error.js';
import { parseFilter } from '../filter/parse-filter.js';
import { RESERVED_COLLECTION_PREFIX } from '../ingest/reserved-names.js';
import type { IndexEvent, IndexHistorySummary } from '../model/index-event.js';
import type { Metric } from '../model/metric.js';
import { normalizeItem } from '../validation/validate-item.js';

/** Events kept per index (older ones are deleted as new ones come). */
export const HISTORY_KEEP = 500;
/** How many of the newest events `IndexStatus.history.recent` shows. */
export const HISTORY_RECENT = 5;
/** Where core keeps events for a backend without `appendIndexEvent` / `listIndexEvents`. */
export const HISTORY_COLLECTION = `${RESERVED_COLLECTION_PREFIX}index-history`;

/**
 * Each index's builds, syncs and rebuilds, kept in the store: in the backend's own table
 * (`appendIndexEvent` / `listIndexEvents`) or, for backends without them, in a reserved
 * collection (one item per event, its fields as metadata, a one-dimensional zero vector).
 * Recording never fails the operation it records: a read-only store simply keeps no history.
 */
export class IndexHistory {
  readonly #backend: StorageBackend;
  #created = false;

  constructor(backend: StorageBackend) {
    this.#backend = backend;
  }

  async record(event: IndexEvent): Promise<void> {
    try {
      const b = this.#backend;
      if (typeof b.appendIndexEvent === 'function' && typeof b.listIndexEvents === 'function') {
        await b.appendIndexEvent(event, HISTORY_KEEP);
        return;
      }
      await this.#appendToCollection(event);
    } catch {
      // History is a record, not part of the index: never fail a build or a search over it.
    }
  }

  /** The newest `limit` events of `index`, newest first. */
  async list(index: string, limit = HISTORY_KEEP): Promise<IndexEvent[]> {
    const b = this.#backend;
    if (typeof b.appendIndexEvent === 'function' && typeof b.listIndexEvents === 'function')
      return b.listIndexEvents(index, limit);
    return (await this.#fromCollection(index)).slice(0, limit);
  }

  /** Recent events and the automatic rebuild rate over what is kept. */
  async summary(index: string): Promise<IndexHistorySummary> {
    return summarize(await this.list(index, HISTORY_KEEP).catch(() => []));
  }

  /** Forget a dropped index's events (backends with a table delete them with the definition). */
  async forget(index: string): Promise<void> {
    if (typeof this.#backend.appendIndexEvent === 'function') return;
    try {
      const ids = (await this.#fromCollectionItems(index)).map((x) => x.id);
      if (ids.length > 0) await this.#backend.delete(HISTORY_COLLECTION, ids);
    } catch {
      // nothing recorded
    }
  }

  async #appendToCollection(event: IndexEvent): Promise<void> {
    await this.#ensureCollection();
    const id = `${event.index}/${event.at}-${randomBytes(4).toString('hex')}`;
    const metadata = { ...event };
    const ctx = { collection: HISTORY_COLLECTION, dimensions: 1, metric: this.#metric() };
    await this.#backend.upsert(HISTORY_COLLECTION, [normalizeItem({ id, vector: [0], metadata }, ctx)]);
    const kept = await this.#fromCollectionItems(event.index);
    if (kept.length > HISTORY_KEEP)
      await this.#backend.delete(
        HISTORY_COLLECTION,
        kept.slice(HISTORY_KEEP).map((x) => x.id),
      );
  }

  async #fromCollection(index: string): Promise<IndexEvent[]> {
    return (await this.#fromCollectionItems(index)).map((x) => x.event);
  }

  /** Events of `index` in the reserved collection, newest first. */
  async #fromCollectionItems(index: string): Promise<{ id: string; event: IndexEvent }[]> {
    if ((await this.#backend.getCollection(HISTORY_COLLECTION)) === null) return [];
    const out: { id: string; event: IndexEvent }[] = [];
    const filter = parseFilter({ index });
    for await (const batch of this.#backend.scan(HISTORY_COLLECTION, { batchSize: 1000, vectors: false, filter })) {
      for (const item of batch) out.push({ id: item.id, event: item.metadata as unknown as IndexEvent });
    }
    return out.sort((a, b) => b.event.at - a.event.at || (a.id < b.id ? 1 : -1));
  }

  async #ensureCollection(): Promise<void> {
    if (this.#created || (await this.#backend.getCollection(HISTORY_COLLECTION)) !== null) {
      this.#created = true;
      return;
    }
    try {
      await this.#backend.createCollection({ name: HISTORY_COLLECTION, dimensions: 1, metric: this.#metric(), model: null });
    } catch (err) {
      if (!isVecdexError(err, 'COLLECTION_EXISTS')) throw err;
    }
    this.#created = true;
  }

  #metric(): Metric {
    const metrics = this.#backend.capabilities.metrics as readonly Metric[];
    return metrics.includes('l2') ? 'l2' : (metrics[0] as Metric);
  }
}

/** Recent events, automatic rebuilds by cause, and their rate per day over the span kept. */
export function summarize(events: readonly IndexEvent[]): IndexHistorySummary {
  const byCause: { [cause: string]: number } = {};
  let rebuilds = 0;
  for (const e of events) {
    if (e.kind !== 'rebuild') continue;
    rebuilds++;
    const cause = e.cause ?? 'other';
    byCause[cause] = (byCause[cause] ?? 0) + 1;
  }
  const newest = events[0]?.at ?? null;
  const oldest = events[events.length - 1]?.at ?? null;
  const spanDays = newest === null || oldest === null ? 0 : (newest - oldest) / 86_400_000;
  return {
    recent: events.slice(0, HISTORY_RECENT),
    events: events.length,
    since: oldest,
    rebuilds,
    byCause,
    rebuildsPerDay: events.length < 2 || spanDays <= 0 ? null : rebuilds / spanDays,
  };
}
