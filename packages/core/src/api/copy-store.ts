import type { SnapshotReader, StorageBackend } from '../contracts/storage-backend.js';
import { errors } from '../errors/error-factories.js';
import { VecdexError, isVecdexError } from '../errors/vecdex-error.js';
import { RESERVED_COLLECTION_PREFIX, isReservedCollectionName } from '../ingest/reserved-names.js';
import type { ChangeCursor } from '../model/change.js';
import type { CollectionInfo } from '../model/collection.js';
import type { NormalizedItem, StoredItem } from '../model/item.js';
import { aliasStoreFor, listAliasesOf } from './alias-store.js';

/** Options of `copyStore()` / `vx.copyTo()`. */
export interface CopyOptions {
  /** Collections to copy (default: every user collection). */
  collections?: readonly string[];
  /** Items per read and write (default 1,000). */
  batchSize?: number;
  /** Vectors compared bit for bit per collection at the end (default 100; 0 skips it). */
  sample?: number;
  /** Called after every batch written. */
  onProgress?: (progress: CopyProgress) => void;
  /** Stops between batches; what was written stays, and a re-run resumes. */
  signal?: AbortSignal;
  /**
   * Read every collection, index definition and alias from one point-in-time snapshot of the
   * source, when its backend has `readSnapshot` (pgvector: one REPEATABLE READ READ ONLY
   * transaction, held for the whole copy). Default false: each page is read as of that read, so
   * an item written during the copy may or may not be in it. `report.snapshot` says which it was.
   */
  snapshot?: boolean;
}

export interface CopyProgress {
  collection: string;
  /** Items of this collection in the target so far. */
  done: number;
  total: number;
  /** Items of every collection copied so far, and in all. */
  allDone: number;
  allTotal: number;
}

export interface CopiedCollection {
  name: string;
  items: number;
  /** Items skipped because an interrupted earlier run had written them already. */
  resumedAt: number;
  /** True when an earlier run had copied it completely (nothing was done). */
  alreadyDone: boolean;
  /** Vectors compared bit for bit. */
  sampled: number;
}

export interface CopyReport {
  collections: CopiedCollection[];
  /** Index definitions created in the target (built there on first use or `vecdex index build`). */
  indexes: string[];
  /** Index definitions not copied, and why (a native index of the source backend, ...). */
  skippedIndexes: { name: string; reason: string }[];
  aliases: string[];
  items: number;
  seconds: number;
  /** True when everything was read from one snapshot of the source (see `CopyOptions.snapshot`). */
  snapshot: boolean;
}

/** Where the target keeps each collection's copy checkpoint: one item per collection. */
export const COPY_CHECKPOINT_COLLECTION = `${RESERVED_COLLECTION_PREFIX}copy`;

interface Checkpoint {
  /** The source's head cursor when this collection's copy started. */
  head: ChangeCursor | null;
  /** Items written, in the source's scan order. */
  done: number;
  complete: boolean;
}

/**
 * Copy collections (ids, vectors bit for bit, content, metadata, content hashes, model,
 * filterable fields), their index definitions, default indexes and aliases from one store to
 * another, e.g. SQLite into PostgreSQL.
 *
 * Streaming and resumable: each collection is read in the source's stable scan order and written
 * in batches; after each batch the target records a checkpoint (items done, and the source's
 * head cursor when the collection started) in its reserved `_vecdex.copy` collection. A re-run
 * after an interruption skips what the checkpoint says was written, as long as the source has not
 * changed since (same head cursor); otherwise that collection is copied again from its first item.
 * Writes are upserts by id, so a batch written twice (killed between the batch and its
 * checkpoint) leaves each item once: no duplicates, no gaps. At the end each collection's counts
 * are compared, and a sample of vectors bit for bit (`COPY_MISMATCH` on any difference).
 *
 * A target collection that exists without a checkpoint is refused (`COLLECTION_EXISTS`): copy
 * never merges into data of its own. Index files are not copied; the target builds them.
 */
export async function copyStore(source: StorageBackend, target: StorageBackend, options: CopyOptions = {}): Promise<CopyReport> {
  if (options.snapshot === true && source.readSnapshot !== undefined) {
    return source.readSnapshot((reader) => copyFrom(reader, target, options, true));
  }
  return copyFrom(source, target, options, false);
}

async function copyFrom(
  source: SnapshotReader,
  target: StorageBackend,
  options: CopyOptions,
  snapshot: boolean,
): Promise<CopyReport> {
  const started = Date.now();
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  const sample = options.sample ?? 100;
  const all = (await source.listCollections()).filter((c) => !isReservedCollectionName(c.name));
  let chosen = all;
  if (options.collections !== undefined) {
    chosen = options.collections.map((n) => {
      const c = all.find((x) => x.name === n);
      if (c === undefined)
        throw errors.unknownCollection(
          n,
          all.map((x) => x.name),
        );
      return c;
    });
  }
  const checkpoints = new CheckpointStore(target);
  const totals = new Map<string, number>();
  for (const c of chosen) totals.set(c.name, await source.count(c.name));
  const allTotal = [...totals.values()].reduce((a, b) => a + b, 0);
  let allDone = 0;
  const report: CopyReport = {
    collections: [],
    indexes: [],
    skippedIndexes: [],
    aliases: [],
    items: 0,
    seconds: 0,
    snapshot,
  };

  for (const info of chosen) {
    const total = totals.get(info.name) as number;
    const head = await source.headCursor();
    let cp = await checkpoints.get(info.name);
    const existing = await target.getCollection(info.name);
    if (existing !== null && cp === null) {
      throw new VecdexError(
        'COLLECTION_EXISTS',
        `the target already has a collection "${info.name}" that no copy wrote; delete it there, or copy the other collections (--collections)`,
        { details: { collection: info.name } },
      );
    }
    if (existing === null) cp = null; // a checkpoint of a collection deleted since says nothing
    if (cp?.complete && cp.head === head) {
      allDone += total;
      report.collections.push({ name: info.name, items: total, resumedAt: total, alreadyDone: true, sampled: 0 });
      continue;
    }
    let fresh = existing === null;
    if (cp !== null && cp.head !== head) {
      // The source changed since the checkpoint: start this collection over (it is the copy's own).
      cp = null;
      if (existing !== null) await target.deleteCollection(info.name);
      fresh = true;
    }
    if (fresh) await createLike(target, info);
    else checkShape(existing as CollectionInfo, info);
    const resumedAt = cp?.done ?? 0;
    let done = 0;
    await checkpoints.put(info.name, { head, done: resumedAt, complete: false });
    // One write in flight while the next batch is read (the source's read overlaps the target's
    // write); batches are written and checkpointed strictly in order.
    let read = 0;
    let pending: Promise<void> | null = null;
    for await (const batch of source.scan(info.name, { batchSize, vectors: true })) {
      const skip = Math.min(batch.length, Math.max(0, resumedAt - read));
      read += skip;
      if (skip === batch.length) {
        done = read;
        continue;
      }
      const items = (skip === 0 ? batch : batch.slice(skip)).map(toNormalized);
      read += items.length;
      const through = read;
      if (pending !== null) await pending;
      options.signal?.throwIfAborted();
      pending = (async () => {
        await target.upsert(info.name, items);
        report.items += items.length;
        done = through;
        await checkpoints.put(info.name, { head, done, complete: false });
        options.onProgress?.({ collection: info.name, done, total, allDone: allDone + done, allTotal });
      })();
      pending.catch(() => undefined); // awaited below or on the next batch
    }
    if (pending !== null) await pending;
    done = read;
    allDone += done;
    const sampled = await verify(source, target, info.name, sample);
    await checkpoints.put(info.name, { head, done, complete: true });
    report.collections.push({ name: info.name, items: done, resumedAt, alreadyDone: false, sampled });
  }

  await copyCatalog(source, target, new Set(chosen.map((c) => c.name)), report);
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

function toNormalized(item: StoredItem): NormalizedItem {
  return {
    id: item.id,
    vector: item.vector as Float32Array,
    content: item.content,
    metadata: item.metadata,
    contentHash: item.contentHash ?? null,
  };
}

async function createLike(target: StorageBackend, info: CollectionInfo): Promise<void> {
  if (!(target.capabilities.metrics as readonly string[]).includes(info.metric)) {
    throw errors.unsupportedMetric(info.metric, target.capabilities.metrics, target.name);
  }
  await target.createCollection({ name: info.name, dimensions: info.dimensions, metric: info.metric, model: info.model });
  if (info.filterable !== undefined && info.filterable.length > 0 && target.capabilities.filterableFields === true) {
    await target.updateCollection(info.name, { filterable: info.filterable });
  }
}

function checkShape(existing: CollectionInfo, info: CollectionInfo): void {
  if (existing.dimensions !== info.dimensions || existing.metric !== info.metric) {
    throw new VecdexError(
      'COLLECTION_EXISTS',
      `the target's collection "${info.name}" is ${existing.dimensions}-d ${existing.metric}, the source's ${info.dimensions}-d ${info.metric}; delete it in the target and copy again`,
      { details: { collection: info.name } },
    );
  }
}

/**
 * Counts equal, and `sample` items spread over the scan order (or all, when fewer) read back
 * from the target with vectors equal bit for bit, and content and metadata equal.
 */
async function verify(source: SnapshotReader, target: StorageBackend, name: string, sample: number): Promise<number> {
  const [a, b] = [await source.count(name), await target.count(name)];
  if (a !== b) {
    throw new VecdexError(
      'COPY_MISMATCH',
      `collection "${name}": the source has ${a} items, the target ${b}; run the copy again`,
      {
        details: { collection: name, source: a, target: b },
      },
    );
  }
  if (sample <= 0 || a === 0) return 0;
  const every = Math.max(1, Math.floor(a / sample));
  const picked: StoredItem[] = [];
  let i = 0;
  for await (const batch of source.scan(name, { batchSize: 1000, vectors: true })) {
    for (const item of batch) if (i++ % every === 0 && picked.length < sample) picked.push(item);
  }
  const copies = new Map(
    (
      await target.get(
        name,
        picked.map((p) => p.id),
        { vectors: true },
      )
    ).map((c) => [c.id, c]),
  );
  for (const p of picked) {
    const c = copies.get(p.id);
    const same =
      c !== undefined &&
      sameBits(p.vector as Float32Array, c.vector as Float32Array) &&
      p.content === c.content &&
      JSON.stringify(p.metadata) === JSON.stringify(c.metadata);
    if (!same) {
      throw new VecdexError(
        'COPY_MISMATCH',
        `collection "${name}": item "${p.id}" differs in the target (or is missing); run the copy again`,
        {
          details: { collection: name, id: p.id },
        },
      );
    }
  }
  return picked.length;
}

function sameBits(a: Float32Array, b: Float32Array | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Index definitions over copied collections, default indexes, and aliases to copied collections. */
async function copyCatalog(
  source: SnapshotReader,
  target: StorageBackend,
  copied: Set<string>,
  report: CopyReport,
): Promise<void> {
  const targetNative = new Set(target.capabilities.nativeIndexes);
  const sourceNative = new Set(source.capabilities.nativeIndexes);
  for (const def of await source.listIndexDefinitions()) {
    if (!def.collections.every((c) => copied.has(c))) continue;
    if (sourceNative.has(def.plugin) && !targetNative.has(def.plugin)) {
      report.skippedIndexes.push({
        name: def.name,
        reason: `"${def.plugin}" is native to ${source.name}; ${target.name} has no such index`,
      });
      continue;
    }
    try {
      await target.createIndexDefinition(def);
      report.indexes.push(def.name);
    } catch (err) {
      if (!isVecdexError(err, 'INDEX_EXISTS')) throw err;
    }
  }
  for (const name of copied) {
    const info = await source.getCollection(name);
    const defaultIndex = info?.defaultIndex ?? null;
    if (defaultIndex !== null && (await target.getIndexDefinition(defaultIndex)) !== null) {
      await target.updateCollection(name, { defaultIndex });
    }
  }
  const to = aliasStoreFor(target);
  for (const a of await listAliasesOf(source)) {
    if (!copied.has(a.collection)) continue;
    await to.set(a.alias, a.collection, a.updatedAt);
    report.aliases.push(a.alias);
  }
}

/** Copy checkpoints as items of the target's `_vecdex.copy` (id = collection name). */
class CheckpointStore {
  readonly #backend: StorageBackend;
  #ready = false;

  constructor(backend: StorageBackend) {
    this.#backend = backend;
  }

  async get(collection: string): Promise<Checkpoint | null> {
    if ((await this.#backend.getCollection(COPY_CHECKPOINT_COLLECTION)) === null) return null;
    const [item] = await this.#backend.get(COPY_CHECKPOINT_COLLECTION, [collection], { vectors: false });
    const m = item?.metadata;
    if (m == null) return null;
    return { head: (m.head as string | null) ?? null, done: Number(m.done) || 0, complete: m.complete === true };
  }

  async put(collection: string, cp: Checkpoint): Promise<void> {
    if (!this.#ready) {
      if ((await this.#backend.getCollection(COPY_CHECKPOINT_COLLECTION)) === null) {
        const metrics = this.#backend.capabilities.metrics as readonly string[];
        const metric = (metrics.includes('l2') ? 'l2' : metrics[0]) as CollectionInfo['metric'];
        await this.#backend.createCollection({ name: COPY_CHECKPOINT_COLLECTION, dimensions: 1, metric, model: null });
      }
      this.#ready = true;
    }
    await this.#backend.upsert(COPY_CHECKPOINT_COLLECTION, [
      {
        id: collection,
        vector: new Float32Array([1]),
        content: null,
        metadata: { head: cp.head, done: cp.done, complete: cp.complete },
      },
    ]);
  }
}
