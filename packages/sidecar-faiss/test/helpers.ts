import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  distance,
  type IndexContext,
  type IndexEntry,
  type IndexHit,
  type IndexKey,
  type JsonValue,
  type Metric,
  type StorageBackend,
  type VectorIndex,
} from '@vecdex/core';
import plugin from '../src/index.js';

/** Small deterministic PRNG (mulberry32), so every failure reproduces from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVector(rand: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = rand() * 2 - 1;
  return v;
}

/** `n` points around `clusters` random centres (spread 0.15 per component): a set IVF suits. */
export function clustered(rand: () => number, n: number, dims: number, clusters: number, prefix = 'p'): IndexEntry[] {
  const centres = Array.from({ length: clusters }, () => randomVector(rand, dims));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[Math.floor(rand() * clusters)] as Float32Array;
    const v = new Float32Array(dims);
    for (let d = 0; d < dims; d++) v[d] = (c[d] as number) + (rand() * 2 - 1) * 0.15;
    return { collection: i % 3 === 0 ? 'b' : 'a', id: `${prefix}${i}`, vector: v };
  });
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-faiss-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function context(
  directory: string,
  metric: Metric,
  dimensions: number,
  params: { [key: string]: JsonValue } = {},
): IndexContext {
  return {
    definition: {
      name: 'test-index',
      plugin: 'faiss',
      collections: ['a', 'b'],
      params: plugin.normalizeParams(params),
      createdAt: 1_700_000_000_000,
    },
    dimensions,
    metric,
    directory,
    backend: {} as StorageBackend,
  };
}

export function openIndex(
  directory: string,
  metric: Metric,
  dimensions: number,
  params: { [key: string]: JsonValue } = {},
): Promise<VectorIndex> {
  return plugin.open(context(directory, metric, dimensions, params));
}

export async function* batches(entries: readonly IndexEntry[], size = 500): AsyncIterable<IndexEntry[]> {
  for (let i = 0; i < entries.length; i += size) yield entries.slice(i, i + size);
}

export const keyOf = (k: IndexKey): string => `${k.collection}\u0000${k.id}`;

/** Exact top-k with core's reference distance. */
export function bruteForce(
  metric: Metric,
  entries: Iterable<IndexEntry>,
  query: Float32Array,
  k: number,
  allow?: (key: IndexKey) => boolean,
): IndexHit[] {
  const all: IndexHit[] = [];
  for (const e of entries) {
    if (allow && !allow(e)) continue;
    all.push({ collection: e.collection, id: e.id, distance: distance(metric, query, e.vector) });
  }
  all.sort((x, y) => x.distance - y.distance);
  return all.slice(0, k);
}

/** recall@k of `hits` against the exact top-k. */
export function recall(hits: readonly IndexKey[], exact: readonly IndexKey[]): number {
  const want = new Set(exact.map(keyOf));
  return exact.length === 0 ? 1 : hits.filter((h) => want.has(keyOf(h))).length / exact.length;
}
