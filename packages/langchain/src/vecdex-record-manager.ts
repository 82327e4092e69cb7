import type { ListKeyOptions, RecordManagerInterface, UpdateOptions } from '@langchain/core/indexing';
import { type Collection, type Filter, type Item, type Vecdex, VecdexError } from '@vecdex/core';
import { MonotonicClock } from './monotonic-clock.js';

/** Where a {@link VecdexRecordManager} keeps its records. */
export interface VecdexRecordManagerArgs {
  vecdex: Vecdex;
  /** The records collection (created by `createSchema()`), e.g. `notes.records`. */
  collection: string;
}

/** Metadata of one record: the LangChain source id (group) and when index() last saw the key. */
interface RecordMetadata {
  groupId: string | null;
  updatedAt: number;
}

const GET_BATCH = 1000;

/**
 * LangChain's RecordManager on the vecdex store itself: each record (a document hash LangChain's
 * `index()` computes) is an item of a small collection of its own beside the documents (a
 * 1-dimension placeholder vector; metadata `{ groupId, updatedAt }`), in the same database, so
 * `index()` with `cleanup: 'incremental' | 'full'` needs no second database. The documents'
 * collection then only ever sees the writes `index()` decides on, and its change feed carries
 * exactly those to vecdex indexes and feed readers; refreshing record timestamps touches only
 * the records collection.
 *
 * Times are this process's clock in milliseconds, strictly increasing per manager (sub-ms
 * steps), so two runs in one millisecond still order; run `index()` for one namespace from
 * hosts whose clocks agree.
 *
 * ```ts
 * const records = new VecdexRecordManager({ vecdex: vx, collection: 'notes.records' })
 * await records.createSchema()
 * await index({ docsSource: docs, recordManager: records, vectorStore: store,
 *   options: { cleanup: 'incremental', sourceIdKey: 'source' } })
 * ```
 */
export class VecdexRecordManager implements RecordManagerInterface {
  readonly lc_namespace = ['vecdex', 'langchain', 'record_manager'];
  readonly vecdex: Vecdex;
  readonly collectionName: string;
  readonly #clock = new MonotonicClock();

  constructor(args: VecdexRecordManagerArgs) {
    if (typeof args?.vecdex?.collection !== 'function' || typeof args.collection !== 'string') {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        'VecdexRecordManager needs { vecdex: await openVecdex(), collection: "docs.records" }',
      );
    }
    this.vecdex = args.vecdex;
    this.collectionName = args.collection;
  }

  /** Create the records collection if it does not exist (idempotent). */
  async createSchema(): Promise<void> {
    if (await this.vecdex.collections.has(this.collectionName)) return;
    try {
      await this.vecdex.collections.create({ name: this.collectionName, dimensions: 1, metric: 'l2' });
    } catch (e) {
      if (!(e instanceof VecdexError && e.code === 'COLLECTION_EXISTS')) throw e;
    }
  }

  async getTime(): Promise<number> {
    return this.#clock.now();
  }

  /**
   * Mark keys as seen now (insert or refresh). With `groupIds` (one per key) the group is set;
   * without, a stored key keeps its group. Throws when the clock is behind `timeAtLeast`.
   */
  async update(keys: string[], options: UpdateOptions = {}): Promise<void> {
    const { groupIds, timeAtLeast } = options;
    if (groupIds !== undefined && groupIds.length !== keys.length) {
      throw new VecdexError('INVALID_ARGUMENT', `update got ${groupIds.length} groupIds for ${keys.length} keys`);
    }
    const now = this.#clock.now();
    if (timeAtLeast !== undefined && now < timeAtLeast) {
      throw new VecdexError(
        'INVALID_ARGUMENT',
        `the clock (${now}) is behind timeAtLeast (${timeAtLeast}); is another host's clock ahead?`,
      );
    }
    if (keys.length === 0) return;
    const kept = groupIds === undefined ? await this.#groups(keys) : new Map<string, string | null>();
    const items: Item[] = keys.map((id, i) => ({
      id,
      vector: [0],
      metadata: { groupId: groupIds === undefined ? (kept.get(id) ?? null) : (groupIds[i] ?? null), updatedAt: now },
    }));
    await this.#records().upsert(items);
  }

  async exists(keys: string[]): Promise<boolean[]> {
    const found = await this.#groups(keys);
    return keys.map((k) => found.has(k));
  }

  /** Keys updated before / after a time, of some groups, at most `limit` (no order promised). */
  async listKeys(options: ListKeyOptions = {}): Promise<string[]> {
    const { before, after, groupIds, limit } = options;
    const time: Record<string, number> = {};
    if (before !== undefined) time.$lt = before;
    if (after !== undefined) time.$gt = after;
    const filter: Filter = {};
    if (Object.keys(time).length > 0) filter.updatedAt = time;
    if (groupIds !== undefined) filter.groupId = { $in: [...new Set(groupIds)] };
    const keys: string[] = [];
    for await (const batch of this.#records().scan({ batchSize: GET_BATCH, vectors: false, filter })) {
      for (const item of batch) {
        keys.push(item.id);
        if (limit !== undefined && keys.length >= limit) return keys;
      }
    }
    return keys;
  }

  async deleteKeys(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.#records().delete(keys);
  }

  /** Group of every stored key among `keys`. */
  async #groups(keys: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const records = this.#records();
    for (let i = 0; i < keys.length; i += GET_BATCH) {
      for (const item of await records.getMany(keys.slice(i, i + GET_BATCH), { vectors: false })) {
        out.set(item.id, (item.metadata as RecordMetadata | null)?.groupId ?? null);
      }
    }
    return out;
  }

  #records(): Collection {
    return this.vecdex.collection(this.collectionName);
  }
}
