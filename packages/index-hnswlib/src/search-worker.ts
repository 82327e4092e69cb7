/**
 * A worker thread of `SearchWorkers`: reads the saved index file into its own hnswlib graph
 * and answers batches of queries. Started only for a file the main thread verified and loaded
 * or saved; messages carry float32 query rows in, labels and distances out (transferred).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadHnswlib } from './load-hnswlib.js';

interface Init {
  file: string;
  space: 'l2' | 'ip' | 'cosine';
  dimensions: number;
}
export interface BatchRequest {
  id: number;
  queries: Float32Array;
  k: number;
  ef: number;
}
export interface BatchReply {
  id: number;
  labels: Float64Array;
  distances: Float32Array;
  counts: Uint32Array;
}

const port = parentPort;
if (port !== null) {
  const { file, space, dimensions } = workerData as Init;
  try {
    const binding = await loadHnswlib();
    const native = new binding.HierarchicalNSW(space, dimensions);
    await native.readIndex(file, false);
    // As in HnswIndex: one reused array for the binding.
    const row = new Array<number>(dimensions).fill(0.5);
    port.on('message', ({ id, queries, k, ef }: BatchRequest) => {
      const count = queries.length / dimensions;
      const labels = new Float64Array(count * k).fill(-1);
      const distances = new Float32Array(count * k);
      const counts = new Uint32Array(count);
      native.setEf(Math.max(ef, k));
      for (let q = 0; q < count; q++) {
        const base = q * dimensions;
        for (let i = 0; i < dimensions; i++) row[i] = queries[base + i] as number;
        const r = native.searchKnn(row, k);
        counts[q] = r.neighbors.length;
        for (let i = 0; i < r.neighbors.length; i++) {
          labels[q * k + i] = r.neighbors[i] as number;
          distances[q * k + i] = r.distances[i] as number;
        }
      }
      const reply: BatchReply = { id, labels, distances, counts };
      port.postMessage(reply, [labels.buffer as ArrayBuffer, distances.buffer as ArrayBuffer, counts.buffer as ArrayBuffer]);
    });
    port.postMessage({ ready: true });
  } catch (error) {
    port.postMessage({ ready: false, error: (error as Error)?.message ?? String(error) });
  }
}
