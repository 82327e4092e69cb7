import { Worker } from 'node:worker_threads';
import type { VectorShape } from './hnsw-apply.js';
import type { HnswSpace } from './load-hnswlib.js';
import type { BatchReply, BatchRequest } from './search-worker.js';

/** The worker's entry, compiled (tests run this file from `src/` as TypeScript; workers need the built one). */
const WORKER_SCRIPT = import.meta.url.endsWith('.ts')
  ? new URL('../dist/search-worker.js', import.meta.url)
  : new URL('./search-worker.js', import.meta.url);

/** Saved files a worker reads: the graph, and the label map and journals to replay on top. */
export interface SavedFiles {
  index: string;
  labels: string;
  journal: readonly string[];
}

/**
 * Worker threads for `HnswIndex.searchMany`, each holding its own copy of one saved index file
 * (hnswlib-node's index objects cannot be shared between threads). Started lazily for a file
 * the main thread verified; used only while the main thread's index is exactly that file (no
 * change since it was saved or loaded), and until then every batch runs on the main thread.
 * Workers are unref'd (they never keep the process alive) and terminated on `close`.
 */
export class SearchWorkers {
  readonly files: SavedFiles;
  readonly #workers: { worker: Worker; ready: boolean; failed: boolean }[] = [];
  readonly #waiting = new Map<number, { resolve: (r: BatchReply) => void; reject: (e: Error) => void }>();
  #next = 0;

  /** `updateNeighborProbability`: the index's, for the journals each worker replays. */
  constructor(files: SavedFiles, space: HnswSpace, shape: VectorShape, count: number, updateNeighborProbability: number) {
    this.files = files;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_SCRIPT, { workerData: { files, space, shape, updateNeighborProbability } });
      const entry = { worker, ready: false, failed: false };
      worker.unref();
      worker.on('message', (m: { ready?: boolean } & Partial<BatchReply>) => {
        if (m.ready !== undefined) {
          entry.ready = m.ready;
          entry.failed = !m.ready;
          return;
        }
        const w = this.#waiting.get(m.id as number);
        this.#waiting.delete(m.id as number);
        w?.resolve(m as BatchReply);
      });
      worker.on('error', (e) => {
        entry.failed = true;
        for (const w of this.#waiting.values()) w.reject(e);
        this.#waiting.clear();
      });
      this.#workers.push(entry);
    }
  }

  /** Workers that have read the file and can take a part of a batch now. */
  get ready(): number {
    return this.#workers.filter((w) => w.ready && !w.failed).length;
  }

  /**
   * Start every ready worker on `request` (shared memory, see `BatchRequest`); resolves when all
   * of them have run out of queries to claim, rejects when a worker fails.
   */
  search(request: Omit<BatchRequest, 'id'>): Promise<BatchReply[]> {
    const ready = this.#workers.filter((w) => w.ready && !w.failed);
    return Promise.all(
      ready.map(
        ({ worker }) =>
          new Promise<BatchReply>((resolve, reject) => {
            const id = this.#next++;
            this.#waiting.set(id, { resolve, reject });
            worker.postMessage({ ...request, id } satisfies BatchRequest);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers.length = 0;
  }
}
