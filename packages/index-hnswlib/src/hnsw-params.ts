import os from 'node:os';
import { VecdexError, describeValue, type JsonValue } from '@vecdex/core';

/**
 * Parameters of an hnswlib index, as stored in the index definition (every field filled in).
 *
 * ```ts
 * await vx.indexes.create({ name: 'docs-hnsw', plugin: 'hnswlib', collections: ['docs'], params: { M: 32, efSearch: 100 } })
 * ```
 */
export interface HnswParams {
  /** Graph degree: links per node per layer (layer 0 has 2·M). More is better recall, more memory. */
  M: number;
  /** Candidate list size while inserting. More is a better graph, slower build. */
  efConstruction: number;
  /** Candidate list size while searching (hnswlib uses max(efSearch, k)). Overridable per query. */
  efSearch: number;
  /** Seed of hnswlib's level generator: builds from the same input are reproducible on one thread (`buildThreads` 1). */
  randomSeed: number;
  /** `stats().needsCompaction` turns true once deleted / (items + deleted) exceeds this. */
  compactThreshold: number;
  /** Capacity allocated up front; it doubles whenever an add would exceed it. */
  initialCapacity: number;
  /**
   * Worker threads `searchMany` uses beside the main thread, each with its own copy of the saved
   * graph (hnswlib-node cannot share one between threads): n more times the index's memory.
   * 0 (default): batches run one query at a time on the calling thread.
   */
  searchWorkers: number;
  /**
   * Most change journals a save appends before writing the graph whole again (0: every save
   * writes whole). A sync then writes only its changes; a load (and each search worker)
   * replays them, which the plugin kit keeps within 4× the time of the last whole write.
   */
  journalFiles: number;
  /**
   * Threads a build, a large `apply` (a sync) and a journal replay insert on with vecdex's native
   * build (see native/README.md); hnswlib-node inserts on one. 0 (default): every core. With more
   * than one, points go in in a varying order, so two builds of the same input differ slightly
   * (recall alike); 1 keeps builds reproducible.
   */
  buildThreads: number;
  /**
   * When an item already in the graph gets a new vector (an update in place), the probability
   * that each of its old neighbours has its links redone (hnswlib's `updatePoint` argument; the
   * point itself is always re-linked at its new place, keeping its old links that fit). hnswlib's
   * `addPoint` fixes it at 1.0: an update then costs 2.4-2.8× an insert. 0 (default) costs
   * 1.0-1.7× an insert; recall@10 after 1-20 % of the items were updated was equal or better on
   * Fashion-MNIST and up to 0.014 lower on clustered 128-d data (bench/hnswlib-update-repair.mjs;
   * bench/README.md). The native build only: hnswlib-node always uses 1.0.
   */
  updateNeighborProbability: number;
}

/** Parameters that shape the graph on disk: a saved file built with other values is not loaded. */
export const STRUCTURAL_PARAMS = ['M', 'efConstruction', 'randomSeed'] as const;

export const DEFAULT_PARAMS: Readonly<HnswParams> = Object.freeze({
  M: 16,
  efConstruction: 200,
  efSearch: 64,
  randomSeed: 100,
  compactThreshold: 0.1,
  initialCapacity: 1024,
  searchWorkers: 0,
  journalFiles: 16,
  buildThreads: 0,
  updateNeighborProbability: 0,
});

/** Threads a build (and `apply`, and a journal replay) inserts on: `buildThreads`, or every core for 0. */
export function threadsFor(params: Pick<HnswParams, 'buildThreads'>): number {
  return params.buildThreads > 0 ? params.buildThreads : Math.max(1, os.availableParallelism());
}

/** hnswlib's labels and counts pass through uint32 in the binding. */
const MAX_CAPACITY = 2 ** 31;

const INTEGER_RANGES: Record<Exclude<keyof HnswParams, 'compactThreshold' | 'updateNeighborProbability'>, [number, number]> = {
  // hnswlib keeps layer-0 link counts (2·M) in 16 bits; beyond ~100 nobody gains anything.
  M: [2, 512],
  efConstruction: [1, 10_000],
  efSearch: [1, 10_000],
  randomSeed: [0, 2 ** 32 - 1],
  initialCapacity: [1, MAX_CAPACITY],
  searchWorkers: [0, 16],
  journalFiles: [0, 1000],
  buildThreads: [0, 256],
};

/** Validate user parameters and fill defaults. Unknown names are refused, so a typo is not silently ignored. */
export function normalizeHnswParams(params: { [key: string]: JsonValue }): HnswParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new VecdexError('INVALID_ARGUMENT', `hnswlib params must be an object, got ${describeValue(params)}`, {
      details: { name: 'params' },
    });
  }
  const out: HnswParams = { ...DEFAULT_PARAMS };
  for (const [name, value] of Object.entries(params)) {
    if (!(name in DEFAULT_PARAMS)) throw unknownParam(name, Object.keys(DEFAULT_PARAMS));
    if (name === 'compactThreshold') out.compactThreshold = checkFraction(name, value);
    else if (name === 'updateNeighborProbability') out.updateNeighborProbability = checkProbability(name, value);
    else {
      const key = name as keyof typeof INTEGER_RANGES;
      out[key] = checkInteger(key, value, INTEGER_RANGES[key]);
    }
  }
  return out;
}

/** Per-query parameters (`{ efSearch }`), validated before they reach native code. */
export function queryEf(params: { [key: string]: JsonValue } | undefined, fallback: number): number {
  if (params === undefined) return fallback;
  let ef = fallback;
  // Runs per query: a plain `for…in` over own keys (Object.entries builds arrays).
  for (const name in params) {
    if (!Object.hasOwn(params, name)) continue;
    if (name !== 'efSearch') throw unknownParam(name, ['efSearch']);
    ef = checkInteger('efSearch', params[name], INTEGER_RANGES.efSearch);
  }
  return ef;
}

/** The stored parameters as a plain JSON object, for the definition and the manifest. */
export function paramsToJson(params: HnswParams): { [key: string]: JsonValue } {
  return { ...params };
}

function checkInteger(name: string, value: unknown, [min, max]: [number, number]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw invalid(name, 'a number greater than 0 and at most 1', value);
  }
  return value;
}

function checkProbability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalid(name, 'a number from 0 to 1', value);
  }
  return value;
}

function invalid(name: string, expected: string, actual: unknown): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `hnswlib param ${name} must be ${expected}, got ${describeValue(actual)}`, {
    details: { name, expected },
  });
}

function unknownParam(name: string, known: readonly string[]): VecdexError {
  return new VecdexError('INVALID_ARGUMENT', `unknown hnswlib param ${JSON.stringify(name)}; known: ${known.join(', ')}`, {
    details: { name, expected: known.join(', ') },
  });
}
