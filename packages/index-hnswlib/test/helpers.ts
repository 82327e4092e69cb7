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
import { expect } from 'vitest';
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

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-hnsw-'));
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
      plugin: 'hnswlib',
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

export async function openIndex(
  directory: string,
  metric: Metric,
  dimensions: number,
  params: { [key: string]: JsonValue } = {},
): Promise<VectorIndex> {
  return plugin.open(context(directory, metric, dimensions, params));
}

export async function* batches(entries: readonly IndexEntry[], size: number): AsyncIterable<IndexEntry[]> {
  for (let i = 0; i < entries.length; i += size) yield entries.slice(i, i + size);
}

export const keyOf = (k: IndexKey): string => `${k.collection}\u0000${k.id}`;

/** Exact top-k over the model with core's reference distance. */
export function bruteForce(
  metric: Metric,
  model: Iterable<IndexEntry>,
  query: Float32Array,
  k: number,
  allow?: (key: IndexKey) => boolean,
): IndexHit[] {
  const all: IndexHit[] = [];
  for (const e of model) {
    if (allow && !allow(e)) continue;
    all.push({ collection: e.collection, id: e.id, distance: distance(metric, query, e.vector) });
  }
  all.sort((x, y) => x.distance - y.distance);
  return all.slice(0, k);
}

/**
 * The index's hits are the exact top-k: same length, each hit's distance equals core's distance
 * to that entry, and position by position the distances equal brute force (so any difference
 * in ids is a tie). Float32 inside hnswlib: compare with a small tolerance.
 */
export function expectExact(
  metric: Metric,
  model: Map<string, IndexEntry>,
  query: Float32Array,
  hits: IndexHit[],
  expected: IndexHit[],
): void {
  expect(hits.length).toBe(expected.length);
  const seen = new Set<string>();
  for (let i = 0; i < hits.length; i++) {
    const hit = hits[i] as IndexHit;
    const entry = model.get(keyOf(hit));
    expect(entry, `hit ${hit.collection}/${hit.id} is not in the model`).toBeDefined();
    expect(seen.has(keyOf(hit))).toBe(false);
    seen.add(keyOf(hit));
    const exact = distance(metric, query, (entry as IndexEntry).vector);
    const tol = 1e-4 * Math.max(1, Math.abs(exact));
    expect(Math.abs(hit.distance - exact), `distance of ${hit.id}`).toBeLessThan(tol);
    expect(Math.abs(exact - (expected[i] as IndexHit).distance), `rank ${i}`).toBeLessThan(tol);
  }
}
