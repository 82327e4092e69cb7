/**
 * A worker thread of `SearchWorkers`: reads the saved index file into its own hnswlib graph
 * and answers queries of a batch. Started only for a file the main thread verified and loaded
 * or saved. A batch lives in shared memory: the query rows, a claim counter and the result
 * arrays. The worker (like the main thread and any other worker) takes the next unclaimed query
 * from the counter until none is left, so a thread that gets less CPU simply answers fewer.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { LabelMap } from '@vecdex/core/plugin-kit';
import { type VectorShape, replayJournals } from './hnsw-apply.js';
import { loadHnswlib } from './load-hnswlib.js';
import type { SavedFiles } from './search-workers.js';

interface Init {
  files: SavedFiles;
  space: 'l2' | 'ip' | 'cosine';
  shape: VectorShape;
  /** The index's `updateNeighborProbability`, for the journals replayed here. */
  updateNeighborProbability: number;
}
/** One batch, every array on a SharedArrayBuffer. */
export interface BatchRequest {
  id: number;
  /** count × dimensions float32 rows. */
  queries: Float32Array;
  /** [0]: the next query to claim (Atomics.add). */
  next: Int32Array;
  k: number;
  ef: number;
  /** count × k labels (-1: none) and distances, for the queries this worker claimed. */
  labels: Float64Array;
  distances: Float32Array;
  /** Hits found per query claimed by a worker; -1 for queries the main thread claimed. */
  counts: Int32Array;
}
export interface BatchReply {
  id: number;
  /** Queries this worker answered. */
  answered: number;
}

const port = parentPort;
if (port !== null) {
  const { files, space, shape, updateNeighborProbability } = workerData as Init;
  const { dimensions } = shape;
  try {
    const binding = await loadHnswlib();
    const native = new binding.HierarchicalNSW(space, dimensions);
    await native.readIndex(files.index, false);
    native.setUpdateNeighborProbability?.(updateNeighborProbability);
    // As in HnswIndex: one reused vector in the binding's form.
    const row = binding.vector(dimensions);
    if (files.journal.length > 0) {
      // The journals on top, as the main thread's load replayed them: the same labels follow.
      const labels = LabelMap.fromJSON(JSON.parse(await readFile(files.labels, 'utf8')));
      const journals = await Promise.all(files.journal.map((file) => readFile(file)));
      // One thread each: the workers start side by side.
      await replayJournals(native, labels, journals, row, shape, 1);
    }
    port.on('message', ({ id, queries, next, k, ef, labels, distances, counts }: BatchRequest) => {
      const count = queries.length / dimensions;
      native.setEf(Math.max(ef, k));
      let answered = 0;
      for (;;) {
        const q = Atomics.add(next, 0, 1);
        if (q >= count) break;
        const base = q * dimensions;
        for (let i = 0; i < dimensions; i++) row[i] = queries[base + i] as number;
        const r = native.searchKnn(row, k);
        for (let i = 0; i < r.neighbors.length; i++) {
          labels[q * k + i] = r.neighbors[i] as number;
          distances[q * k + i] = r.distances[i] as number;
        }
        counts[q] = r.neighbors.length;
        answered++;
      }
      const reply: BatchReply = { id, answered };
      port.postMessage(reply);
    });
    port.postMessage({ ready: true });
  } catch (error) {
    port.postMessage({ ready: false, error: (error as Error)?.message ?? String(error) });
  }
}
