import { VecdexError, errors, type IndexChange, type IndexKey, type Metric } from '@vecdex/core';
import { type LabelMap, journalBatches } from '@vecdex/core/plugin-kit';
import type { NativeHnsw, NativeVector } from './load-hnswlib.js';

/** The binding passes capacities through uint32; stay well inside. */
export const MAX_CAPACITY = 2 ** 31;

/** What the vector checks need to know of the index (its `IndexContext`, or a worker's copy). */
export interface VectorShape {
  dimensions: number;
  metric: Metric;
  /** The index's name, for errors. */
  name: string;
}

/**
 * Copy a vector into `out` (a reusable vector in the binding's form: it copies it at once), checking what native code would silently misuse, and for cosine
 * normalising it in double precision. `entry` names the item in errors (omit it for a query).
 */
export function toNativeVector<V extends NativeVector>(
  vector: ArrayLike<number>,
  out: V,
  shape: VectorShape,
  entry?: IndexKey,
): V {
  const dims = shape.dimensions;
  if (vector.length !== dims) {
    const where = entry === undefined ? `index "${shape.name}"` : `collection "${entry.collection}"`;
    throw new VecdexError(
      'DIMENSION_MISMATCH',
      `${entry === undefined ? 'query vector' : `item "${entry.id}"`} has ${vector.length} dimensions but ${where} expects ${dims}`,
      { details: { expected: dims, actual: vector.length, ...entry } },
    );
  }
  // One pass: copy, and sum the squares (in double precision), which is finite exactly when
  // every component is finite for float32 input (a float32's square is at most ~1.2e77).
  let squares = 0;
  for (let i = 0; i < dims; i++) {
    const x = vector[i] as number;
    out[i] = x;
    squares += x * x;
  }
  if (!Number.isFinite(squares)) {
    for (let i = 0; i < dims; i++) {
      const x = vector[i] as number;
      if (!Number.isFinite(x)) throw errors.invalidVector(`component ${i} is ${x}`, entry?.id);
    }
    return out; // finite doubles beyond float32's range (not from core, which refuses them)
  }
  // Cosine: normalise here, in double precision. hnswlib-node normalises again in float32, where
  // the sum of squares underflows to 0 for components below ~1e-19 (the vector is then left
  // unnormalised: every distance ~1) or overflows to infinity above ~1e19 (the vector becomes
  // all zeros); core accepts both. A unit vector goes through its normalisation unchanged.
  if (shape.metric === 'cosine' && squares > 0) {
    const norm = Math.sqrt(squares);
    for (let i = 0; i < dims; i++) out[i] = (vector[i] as number) / norm;
  }
  return out;
}

/**
 * Apply one change to an hnswlib graph and its label map (`HnswIndex.apply`, a build, and a
 * journal replayed on load or in a search worker: the same steps give the same labels).
 *
 * - An upsert of a live key replaces its vector in place (`addPoint` on its label is hnswlib's
 *   `updatePoint`). A new key takes the most recently freed label, whose slot is a tombstone
 *   that `addPoint` revives in place, or a new slot (capacity doubles first when full).
 * - A delete marks the label deleted (a tombstone) and frees it.
 */
export function applyChange(
  native: NativeHnsw,
  labels: LabelMap,
  change: IndexChange,
  scratch: NativeVector,
  shape: VectorShape,
): void {
  if (change.op === 'delete') {
    const label = labels.get(change.collection, change.id);
    if (label === undefined) return;
    native.markDelete(label);
    labels.release(change.collection, change.id);
    return;
  }
  const vector = toNativeVector(change.vector, scratch, shape, change);
  const existing = labels.get(change.collection, change.id);
  if (existing !== undefined) {
    native.addPoint(vector, existing);
    return;
  }
  const { label, reused } = labels.nextLabel();
  if (!reused) ensureCapacity(native, labels.slots + 1, shape.name);
  native.addPoint(vector, label);
  labels.assignNext(change.collection, change.id);
}

/** Upserts fewer than this in a run go in one by one on this thread (a thread hand-off costs more). */
const MIN_PARALLEL_RUN = 64;
/** Most upserts sent to `addPoints` at once (bounds the copy: 16,384 × 768-d is 48 MiB). */
const MAX_RUN = 16_384;

/** How many of the changes `applyChanges` was given are applied (when it throws, the ones before the bad one). */
export interface ApplyProgress {
  done: number;
}

/**
 * Apply changes in order, leaving labels and vectors exactly as `applyChange` one by one would:
 * a build's batches, `apply`, and a journal replayed on load. With the native build's `addPoints`
 * and `threads` > 1, each run of consecutive upserts of distinct keys (up to the next delete, or
 * the next upsert of a key already in the run) is checked and given its labels here, in order,
 * then inserted together on `threads` threads; otherwise (hnswlib-node, one thread) change by
 * change. Threads insert in a varying order, so the links (not the labels or vectors) can differ
 * from a one-thread run's. A change that fails its checks (a bad vector) throws after the changes
 * before it were applied; `progress.done` counts them.
 */
export async function applyChanges(
  native: NativeHnsw,
  labels: LabelMap,
  changes: readonly IndexChange[],
  scratch: NativeVector,
  shape: VectorShape,
  threads: number,
  progress: ApplyProgress = { done: 0 },
): Promise<void> {
  const addPoints = threads > 1 && changes.length >= MIN_PARALLEL_RUN ? native.addPoints?.bind(native) : undefined;
  if (addPoints === undefined) {
    for (const change of changes) {
      applyChange(native, labels, change, scratch, shape);
      progress.done++;
    }
    return;
  }
  const dims = shape.dimensions;
  const cap = Math.min(changes.length, MAX_RUN);
  const rows = new Float32Array(cap * dims);
  const ids = new Uint32Array(cap);
  const inRun = new Set<string>();
  let n = 0;
  const flush = async (): Promise<void> => {
    if (n === 0) return;
    ensureCapacity(native, labels.slots, shape.name);
    if (n < MIN_PARALLEL_RUN) {
      for (let i = 0; i < n; i++) native.addPoint(rows.subarray(i * dims, (i + 1) * dims), ids[i] as number);
    } else {
      await addPoints(rows.subarray(0, n * dims), ids.subarray(0, n), threads);
    }
    progress.done += n;
    n = 0;
    inRun.clear();
  };
  for (const change of changes) {
    if (change.op === 'delete') {
      await flush();
      applyChange(native, labels, change, scratch, shape);
      progress.done++;
      continue;
    }
    const key = `${change.collection}\u0000${change.id}`;
    if (inRun.has(key)) await flush();
    try {
      toNativeVector(change.vector, rows.subarray(n * dims, (n + 1) * dims), shape, change);
    } catch (error) {
      await flush();
      throw error;
    }
    const existing = labels.get(change.collection, change.id);
    if (existing !== undefined) ids[n] = existing;
    else ids[n] = labels.assignNext(change.collection, change.id);
    inRun.add(key);
    n++;
    if (n === cap) await flush();
  }
  await flush();
}

/**
 * Replay journals (their bytes, in the manifest's order) onto a graph read from the file they
 * follow and its label map, batch by batch as `apply` ran them (`applyChanges`, on `threads`
 * threads): `load` and each search worker. Throws on a journal that does not decode or a change
 * `applyChange` refuses.
 */
export async function replayJournals(
  native: NativeHnsw,
  labels: LabelMap,
  journals: readonly Uint8Array[],
  scratch: NativeVector,
  shape: VectorShape,
  threads: number,
): Promise<void> {
  for (const batch of journalBatches(journals, shape.dimensions))
    await applyChanges(native, labels, batch, scratch, shape, threads);
}

/** Grow the graph so it holds `needed` slots: doubling the capacity as often as that takes (up to `MAX_CAPACITY`). */
export function ensureCapacity(native: NativeHnsw, needed: number, name: string): void {
  const capacity = native.getMaxElements();
  if (needed <= capacity) return;
  if (needed > MAX_CAPACITY) {
    throw new VecdexError('INVALID_ARGUMENT', `hnswlib index "${name}" cannot hold more than ${MAX_CAPACITY} entries`);
  }
  let next = Math.max(1, capacity);
  while (next < needed) next *= 2;
  native.resizeIndex(Math.min(MAX_CAPACITY, next));
}
