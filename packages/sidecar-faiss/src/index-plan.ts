import { VecdexError } from '@vecdex/core';
import type { FaissParams } from './faiss-params.js';

/**
 * What a build creates: the factory string handed to FAISS and what that index can do.
 *
 * faiss-node has no `add_with_ids`, so labels are the implicit ids `add` assigns (0, 1, 2, ...).
 * Only a plain `Flat` index can remove entries and keep labels consistent (its `removeIds`
 * renumbers the rest, which `LabelMap.compact` mirrors). IVF's `remove_ids` leaves the other
 * ids alone but lowers `ntotal`, so the next `add` would reuse a live id; HNSW cannot remove at
 * all. Every other index type therefore marks removed entries as tombstones (skipped in
 * results) and is rebuilt once they pass `compactThreshold`.
 */
export interface IndexPlan {
  /** The factory string for `Index.fromFactory`. */
  factory: string;
  /** The factory the definition asked for (or the automatic choice), when a smaller stand-in is used. */
  wanted: string;
  /** True for `Flat`: removals are real (`removeIds`), no tombstones. */
  removable: boolean;
  /** IVF cells, or null. */
  nlist: number | null;
  hnsw: boolean;
  /** Vectors needed to train (1 when the index needs no training). */
  minTrain: number;
  /** Why `factory` differs from `wanted`, or null. */
  note: string | null;
}

/**
 * The index for `n` vectors. An index type that cannot be trained on `n` vectors (an IVF with
 * more cells than vectors, a PQ with fewer than 256) is replaced by an exact `Flat` index until
 * the collection is big enough; `note` says so, and a later sync retrains.
 */
export function planIndex(params: FaissParams, n: number): IndexPlan {
  const wanted = params.factory ?? automaticFactory(params, n);
  const shape = describeFactory(wanted);
  if (n < shape.minTrain) {
    return {
      ...describeFactory('Flat'),
      wanted,
      note: `${wanted} needs at least ${shape.minTrain} vectors to train and there are ${n}; searching exactly (Flat) until then`,
    };
  }
  return { ...shape, factory: withoutPolysemous(wanted), wanted, note: null };
}

/**
 * `PQ{m}` → `PQ{m}np`: the same product quantizer without FAISS's polysemous training, an
 * optional optimisation of the code order for Hamming-distance filtering (`polysemous_ht`), which
 * this plugin never enables; it took minutes per training on small sets here.
 */
export function withoutPolysemous(factory: string): string {
  return factory.replace(/(^|,)PQ(\d+(?:x\d+)?)(?=,|$)/g, '$1PQ$2np');
}

/** `Flat` (or `SQ{b}`) below `flatBelow` vectors, else `IVF{x},Flat` (or `,SQ{b}`) with x = min(4·√n, n/39). */
export function automaticFactory(params: FaissParams, n: number): string {
  const bits = params.quantize === true ? 8 : params.quantize;
  const codes = bits === false ? 'Flat' : `SQ${bits}`; // SQ4/6/8 or SQfp16
  if (n < params.flatBelow) return codes;
  const nlist = Math.max(1, Math.floor(Math.min(4 * Math.sqrt(n), n / 39)));
  return `IVF${nlist},${codes}`;
}

/** Default nprobe: cells/16, at least 1 (the definition's `nprobe` wins when set). */
export function defaultNprobe(params: FaissParams, plan: IndexPlan): number {
  if (plan.nlist === null) return 1;
  return Math.min(plan.nlist, params.nprobe ?? Math.max(1, Math.round(plan.nlist / 16)));
}

export function describeFactory(factory: string): Omit<IndexPlan, 'wanted' | 'note'> {
  const ivf = /(?:^|,)IVF(\d+)/.exec(factory);
  const pq = /(?:^|,)PQ(\d+)(?:x(\d+))?/.exec(factory);
  const nlist = ivf ? Number(ivf[1]) : null;
  const pqTrain = pq ? 2 ** Number(pq[2] ?? 8) : 1;
  if (nlist !== null && nlist < 1)
    throw new VecdexError('INVALID_ARGUMENT', `faiss factory ${factory}: IVF needs at least 1 cell`);
  return {
    factory,
    removable: factory === 'Flat',
    nlist,
    hnsw: /(?:^|,)HNSW\d+/.test(factory),
    minTrain: Math.max(1, nlist ?? 1, pqTrain),
  };
}

/** FAISS's codes for core's precisions: 8-bit scalar quantizer (per-dimension ranges FAISS trains), half floats. */
export const PRECISION_CODES = { int8: 'SQ8', float16: 'SQfp16' } as const;

/**
 * The factory for a precision: `Flat` (alone or after `IVF{n},`) becomes the precision's codes;
 * `null` when the factory already names its own codes (PQ, SQ, HNSW) and the precision cannot be
 * applied to it.
 */
export function factoryForPrecision(factory: string, precision: keyof typeof PRECISION_CODES): string | null {
  return /(^|,)Flat$/.test(factory) && !/HNSW/.test(factory) ? factory.replace(/Flat$/, PRECISION_CODES[precision]) : null;
}
