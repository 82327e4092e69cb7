import { writeFile } from 'node:fs/promises';
import {
  VecdexError,
  validateK,
  type IndexChange,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexKey,
  type IndexSaveOptions,
  type IndexSearchOptions,
  type IndexStats,
  type Int8Calibration,
  type JsonValue,
  type VectorIndex,
} from '@vecdex/core';
import { IndexVectors, Int8Quantizer, type Int8QuantizerJson, LabelMap, catalogState } from '@vecdex/core/plugin-kit';
import { FLAT_FILES } from './flat-files.js';
import { FlatCodes, type FlatKind } from './flat-codes.js';
import { hammingScan } from './hamming-scan.js';
import { USEARCH_VERSION, type UsearchBinding } from './load-usearch.js';
import { fromNativeDistance, metricFor } from './usearch-distance.js';
import { type UsearchParams, paramsToJson } from './usearch-params.js';

/** Vectors an int8 calibration is fitted on: the first of each build. */
const CALIBRATION_SAMPLE = 4096;

/**
 * The exact path at a chosen precision (`params: { kind: 'flat' }`): every vector in one
 * contiguous array, scanned in full per query. float32 and int8 rows go to usearch's SIMD
 * `exactSearch` (int8 codes calibrated by the plugin kit's `Int8Quantizer`, so any metric);
 * binary rows (packed signs) are scanned by Hamming distance in JS. Filters (`allow`) widen the
 * candidate count (×4 while short); the binary scan applies them in the scan itself.
 */
export class UsearchFlatIndex implements VectorIndex {
  readonly #binding: UsearchBinding;
  readonly #context: IndexContext;
  readonly #params: UsearchParams;
  readonly #kind: FlatKind;
  readonly #calibration: Int8Calibration;
  readonly #vectors: IndexVectors;
  #codes: FlatCodes;
  #labels = new LabelMap();
  #int8: Int8Quantizer | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #bytesOnDisk: number | undefined;
  #cursor: string | null | undefined = undefined;
  #lastLoadProblem: string | null = null;
  #closed = false;

  constructor(binding: UsearchBinding, context: IndexContext, params: UsearchParams, kind: FlatKind) {
    if (kind !== 'b1' && typeof binding.exactSearch !== 'function') {
      throw new VecdexError('MISSING_NATIVE_DEPENDENCY', `usearch@${USEARCH_VERSION} loaded without exactSearch`);
    }
    this.#binding = binding;
    this.#context = context;
    this.#params = params;
    this.#kind = kind;
    this.#calibration = context.calibration ?? 'global';
    this.#vectors = new IndexVectors(context);
    this.#codes = new FlatCodes(kind, context.dimensions);
  }

  build(
    source: AsyncIterable<IndexEntry[]>,
    options: { onProgress?: (done: number) => void; expectedCount?: number } = {},
  ): Promise<void> {
    return this.#exclusive(async () => {
      const dims = this.#context.dimensions;
      const codes = new FlatCodes(this.#kind, dims, options.expectedCount ?? 0);
      const labels = new LabelMap();
      let int8: Int8Quantizer | null = null;
      // int8: the first vectors wait (as floats) until the calibration is fitted on them.
      let held: { label: number; vector: Float32Array }[] = [];
      let heldRows = 0;
      const fit = () => {
        const sample = new Float32Array(heldRows * dims);
        for (let i = 0; i < held.length; i++) sample.set((held[i] as { vector: Float32Array }).vector, i * dims);
        int8 = Int8Quantizer.fit(sample, heldRows, dims, this.#context.metric, this.#calibration);
        for (const h of held) codes.write(h.label, h.vector, int8);
        held = [];
      };
      let done = 0;
      for await (const batch of source) {
        for (const entry of batch) {
          const existing = labels.get(entry.collection, entry.id);
          if (existing !== undefined) {
            codes.clear(existing);
            labels.release(entry.collection, entry.id);
            held = held.filter((h) => h.label !== existing);
            heldRows = held.length;
          }
          const vector = new Float32Array(dims);
          this.#vectors.copy(entry.vector, vector, 0, entry);
          const label = labels.assignNext(entry.collection, entry.id);
          if (this.#kind === 'i8' && int8 === null) {
            held.push({ label, vector });
            heldRows = held.length;
            if (heldRows >= CALIBRATION_SAMPLE) fit();
          } else codes.write(label, vector, int8);
        }
        done += batch.length;
        options.onProgress?.(done);
      }
      if (held.length > 0) fit();
      this.#codes = codes;
      this.#labels = labels;
      this.#int8 = int8;
    });
  }

  apply(changes: readonly IndexChange[]): Promise<void> {
    return this.#exclusive(async () => {
      this.#open();
      const dims = this.#context.dimensions;
      const last = new Map<string, IndexChange>();
      for (const c of changes) {
        const k = `${c.collection}\u0000${c.id}`;
        last.delete(k);
        last.set(k, c);
      }
      const upserts = [...last.values()].filter((c): c is IndexEntry & { op: 'upsert' } => c.op === 'upsert');
      const data = new Float32Array(upserts.length * dims);
      upserts.forEach((c, i) => {
        this.#vectors.copy(c.vector, data, i * dims, c);
      });
      if (this.#kind === 'i8' && this.#int8 === null && upserts.length > 0) {
        const rows = Math.min(upserts.length, CALIBRATION_SAMPLE);
        this.#int8 = Int8Quantizer.fit(data.subarray(0, rows * dims), rows, dims, this.#context.metric, this.#calibration);
      }
      for (const c of last.values()) {
        const label = this.#labels.release(c.collection, c.id);
        if (label !== undefined) this.#codes.clear(label);
      }
      upserts.forEach((c, i) => {
        const label = this.#labels.assignNext(c.collection, c.id);
        this.#codes.write(label, data, this.#int8, i * dims);
      });
    });
  }

  async search(query: Float32Array, options: IndexSearchOptions): Promise<IndexHit[]> {
    this.#open();
    const k = validateK(options.k);
    const labels = this.#labels;
    const want = Math.min(k, labels.live);
    if (want === 0) return [];
    const q = new Float32Array(this.#context.dimensions);
    this.#vectors.copy(query, q);
    const code = this.#codes.encodeQuery(q, this.#int8);
    const allow = options.allow;
    if (this.#kind === 'b1') return this.#hamming(code as Uint32Array, want, allow);
    const rows = this.#codes.rows;
    const share = allow !== undefined && options.selectivity !== undefined && options.selectivity > 0 ? options.selectivity : 1;
    let asked = Math.min(rows, Math.ceil(want / share) + labels.free);
    for (;;) {
      const hits = this.#exact(code as Float32Array | Int8Array, asked, want, allow);
      if (hits.length >= want || asked >= rows) return hits;
      asked = Math.min(rows, asked * 4);
    }
  }

  async save(options?: IndexSaveOptions): Promise<{ [key: string]: JsonValue }> {
    return this.#exclusive(async () => {
      this.#open();
      const { directory, definition, metric, dimensions } = this.#context;
      const generation = Math.max(this.#generation + 1, await FLAT_FILES.nextGeneration(directory));
      const codes = this.#codes;
      const manifest = await FLAT_FILES.save(directory, {
        generation,
        labels: this.#labels,
        write: (file) => writeFile(file, codes.bytes()),
        check: (file) => (file.bytes === codes.rows * codes.rowBytes ? null : 'codes file has the wrong size'),
        fields: {
          definition: { name: definition.name, createdAt: definition.createdAt },
          metric,
          dimensions,
          params: paramsToJson(this.#params),
          items: this.#labels.live,
          deleted: this.#labels.free,
          usearch: USEARCH_VERSION,
          codes: this.#kind,
          rows: codes.rows,
          ...(this.#int8 !== null ? { int8: this.#int8.toJSON() as unknown as JsonValue } : {}),
          ...(options !== undefined ? { cursor: options.cursor } : {}),
        },
      });
      this.#generation = generation;
      this.#cursor = manifest.cursor;
      this.#bytesOnDisk = manifest.files.index.bytes + manifest.files.labels.bytes;
      return catalogState(manifest);
    });
  }

  load(state: { [key: string]: JsonValue }): Promise<boolean> {
    return this.#exclusive(async () => {
      const { directory, definition, metric, dimensions } = this.#context;
      const v = await FLAT_FILES.verify(directory, {
        expect: {
          definition: { name: definition.name, createdAt: definition.createdAt },
          metric,
          dimensions,
          structural: { kind: 'flat', dtype: this.#params.dtype },
        },
        catalog: state,
        check: (file, { labels, manifest }) =>
          manifest === null || manifest.codes !== this.#kind
            ? 'codes of another precision'
            : file.bytes !== manifest.rows * this.#codes.rowBytes || labels.slots < manifest.rows
              ? 'codes file size disagrees with the label map'
              : null,
      }).catch((e: unknown) => ({ ok: false as const, reason: (e as Error).message }));
      if (!v.ok || v.data === undefined) {
        this.#lastLoadProblem = v.ok ? 'codes not read' : v.reason;
        return false;
      }
      let int8: Int8Quantizer | null = null;
      if (this.#kind === 'i8' && v.labels.slots > 0) {
        int8 = Int8Quantizer.fromJSON(v.manifest.int8 as Int8QuantizerJson, dimensions);
        if (int8 === null || int8.mode !== this.#calibration) {
          this.#lastLoadProblem = 'the int8 calibration is missing or does not match';
          return false;
        }
      }
      this.#codes = FlatCodes.fromBytes(this.#kind, dimensions, v.manifest.rows, v.data);
      this.#labels = v.labels;
      this.#int8 = int8;
      this.#generation = v.manifest.generation;
      this.#cursor = v.manifest.cursor;
      this.#bytesOnDisk = v.manifest.files.index.bytes + v.manifest.files.labels.bytes;
      this.#lastLoadProblem = null;
      return true;
    });
  }

  stats(): IndexStats {
    const labels = this.#labels;
    return {
      items: labels.live,
      deleted: labels.free,
      bytesOnDisk: this.#bytesOnDisk,
      kind: 'flat',
      codes: this.#kind,
      bytesPerRow: this.#codes.rowBytes,
      memoryBytes: this.#codes.rows * this.#codes.rowBytes,
      ...(this.#int8 !== null ? { int8Calibration: this.#int8.mode } : {}),
      // Freed rows are reused by the next additions: never a reason to rebuild.
      needsCompaction: labels.free > 0 && labels.free > labels.live,
      generation: this.#generation,
      lastLoadProblem: this.#lastLoadProblem,
      ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
    };
  }

  drop(): Promise<void> {
    return this.#exclusive(async () => {
      await FLAT_FILES.remove(this.#context.directory);
      this.#bytesOnDisk = undefined;
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      this.#closed = true;
      this.#codes = new FlatCodes(this.#kind, this.#context.dimensions);
      this.#labels = new LabelMap();
    });
  }

  #exact(code: Float32Array | Int8Array, asked: number, want: number, allow?: (key: IndexKey) => boolean): IndexHit[] {
    const exact = this.#binding.exactSearch as NonNullable<UsearchBinding['exactSearch']>;
    const metric = this.#context.metric;
    const native = metricFor(metric) as string;
    const m = exact(this.#codes.view() as Float32Array | Int8Array, code, this.#context.dimensions, asked, native, 1);
    const hits: IndexHit[] = [];
    const scale = this.#int8?.globalScale ?? null;
    for (let i = 0; i < m.keys.length && hits.length < want; i++) {
      const key = this.#labels.keyOf(Number(m.keys[i]));
      if (key === null || (allow !== undefined && allow(key) !== true)) continue;
      let d = m.distances[i] as number;
      // int8 codes: back to the vectors' units where one global scale allows (l2); else code units.
      if (this.#kind === 'i8' && metric === 'l2' && scale !== null) d *= scale * scale;
      hits.push({ collection: key.collection, id: key.id, distance: fromNativeDistance(metric, d) });
    }
    return hits;
  }

  #hamming(code: Uint32Array, want: number, allow?: (key: IndexKey) => boolean): IndexHit[] {
    const labels = this.#labels;
    const skip = (row: number) => {
      const key = labels.keyOf(row);
      return key === null || (allow !== undefined && allow(key) !== true);
    };
    const r = hammingScan(this.#codes.hamming(code), this.#codes.rows, this.#codes.rowLength * 32, want, skip);
    const dims = this.#context.dimensions;
    const hits: IndexHit[] = [];
    for (let i = 0; i < r.rows.length; i++) {
      const key = labels.keyOf(r.rows[i] as number) as IndexKey;
      // The share of differing signs (0–1): an angle estimate, not the metric's distance.
      hits.push({ collection: key.collection, id: key.id, distance: (r.distances[i] as number) / dims });
    }
    return hits;
  }

  #open(): void {
    if (this.#closed) throw new VecdexError('STORE_CLOSED', `usearch flat index "${this.#context.definition.name}" is closed`);
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
