import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Metric, type NormalizedItem, type SearchHit, type Vecdex, distance, openVecdex } from '@vecdex/core';
import { type Ranked, bruteForce, expectSameRanking } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { expect } from 'vitest';

export const INDEX = 'ix';

/** A store on disk (sqlite file + data dir) that tests open, close and reopen. */
export interface TestStore {
  dir: string;
  dbPath: string;
  dataDir: string;
  /** The hnswlib index's own directory. */
  indexDir: string;
  open(): Promise<Vecdex>;
  cleanup(): Promise<void>;
}

export async function tempStore(prefix = 'vecdex-index-'): Promise<TestStore> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const dbPath = path.join(dir, 'store.db');
  const dataDir = path.join(dir, 'data');
  return {
    dir,
    dbPath,
    dataDir,
    indexDir: path.join(dataDir, 'indexes', INDEX),
    open: () =>
      openVecdex({
        config: { backend: { use: sqlitevec, options: { path: dbPath } }, plugins: [hnswlib], dataDir },
        cwd: dir,
        env: {},
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export const keyOf = (k: { collection: string; id: string }): string => `${k.collection}\u0000${k.id}`;

/** Every item of the collections, read back from the store (vectors included). */
export async function readStore(vx: Vecdex, collections: readonly string[]): Promise<Map<string, NormalizedItem[]>> {
  const out = new Map<string, NormalizedItem[]>();
  for (const c of collections) {
    const items: NormalizedItem[] = [];
    for await (const batch of vx.collection(c).scan({ batchSize: 5000, vectors: true })) {
      for (const it of batch) items.push({ id: it.id, vector: it.vector as Float32Array, content: null, metadata: null });
    }
    out.set(c, items);
  }
  return out;
}

/** The exact ranking over `items` (core's double-precision reference distance). */
export function exactRanking(
  items: ReadonlyMap<string, readonly NormalizedItem[]>,
  vector: Float32Array,
  metric: Metric,
  k: number,
  exclude: { collection: string; id: string }[] = [],
): { expected: Ranked[]; byKey: Map<string, Ranked> } {
  const { ranked, byKey } = bruteForce({ items, vector, metric, exclude });
  return { expected: ranked.slice(0, k), byKey };
}

/** Hits equal the exact top-k (ids and collections), ties at equal distance allowed. */
export function expectExactTopK(
  hits: readonly { collection: string; id: string; distance: number }[],
  items: ReadonlyMap<string, readonly NormalizedItem[]>,
  vector: Float32Array,
  metric: Metric,
  k: number,
  exclude: { collection: string; id: string }[] = [],
): void {
  const { expected, byKey } = exactRanking(items, vector, metric, k, exclude);
  expectSameRanking(hits as SearchHit[], expected, byKey);
}

/** One live or tombstoned element read from a saved hnswlib file. */
export interface SavedElement {
  label: number;
  vector: Float32Array;
  deleted: boolean;
}

/** What `save()` left in the index directory, parsed independently of the plugin. */
export interface SavedIndex {
  manifest: {
    generation: number;
    items: number;
    deleted: number;
    files: { index: { name: string }; labels: { name: string } };
    base?: { items: number; deleted: number };
    journal?: { name: string }[];
  };
  /** Live keys → the vector hnswlib holds for them. */
  live: Map<string, Float32Array>;
  /** Labels that are free in the label map (each must be a tombstone in the hnswlib file). */
  freeLabels: number;
}

/**
 * Parse the current generation straight from the files (manifest.json → labels.<gen>.json and
 * index.<gen>.hnsw, hnswlib 0.8's saveIndex layout: a 96-byte header, then
 * `count × sizeDataPerElement` bytes of level 0, each element being [u32 link count + flags]
 * [2M links][vector][u64 label]). Checks that every label's element carries that label, that
 * free labels are tombstones and live ones are not. Then the journals the manifest lists, in
 * order (the plugin kit's layout, parsed here on its own: per batch `VXJ1`, u32 dimensions, u32
 * count; per change u8 op, u32 + UTF-8 collection, u32 + UTF-8 id, float32 vector for an
 * upsert): an upsert sets its key's vector, a delete frees its label, and a new key takes a free
 * label when there is one.
 */
export async function readSavedIndex(indexDir: string, dimensions: number): Promise<SavedIndex> {
  const manifest = JSON.parse(await readFile(path.join(indexDir, 'manifest.json'), 'utf8')) as SavedIndex['manifest'];
  const labels = JSON.parse(await readFile(path.join(indexDir, manifest.files.labels.name), 'utf8')) as {
    collections: string[];
    labels: ([number, string] | null)[];
  };
  const buf = await readFile(path.join(indexDir, manifest.files.index.name));
  const u64 = (o: number) => Number(buf.readBigUInt64LE(o));
  const count = u64(16);
  const size = u64(24);
  const labelOffset = u64(32);
  const offsetData = u64(40);
  expect(count, 'hnswlib element count = label map slots').toBe(labels.labels.length);
  const elements: SavedElement[] = [];
  for (let i = 0; i < count; i++) {
    const base = 96 + i * size;
    const label = u64(base + labelOffset);
    const deleted = ((buf[base + 2] as number) & 0x01) !== 0;
    const vector = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) vector[d] = buf.readFloatLE(base + offsetData + 4 * d);
    elements.push({ label, vector, deleted });
  }
  const byLabel = new Map(elements.map((e) => [e.label, e]));
  expect(byLabel.size, 'every hnswlib label appears once').toBe(count);
  const live = new Map<string, Float32Array>();
  let freeLabels = 0;
  labels.labels.forEach((entry, label) => {
    const el = byLabel.get(label);
    if (el === undefined) expect.fail(`label ${label} has no hnswlib element`);
    if (entry === null) {
      freeLabels++;
      if (!el.deleted) expect.fail(`free label ${label} is not a tombstone in the hnswlib file`);
      return;
    }
    if (el.deleted) expect.fail(`live label ${label} (${entry[0]}/${entry[1]}) is marked deleted in the hnswlib file`);
    const collection = labels.collections[entry[0]] as string;
    const key = keyOf({ collection, id: entry[1] });
    if (live.has(key)) expect.fail(`key ${collection}/${entry[1]} has two labels`);
    live.set(key, el.vector);
  });
  const journals = manifest.journal ?? [];
  if (journals.length > 0) {
    expect(live.size, 'base items').toBe(manifest.base?.items);
    expect(freeLabels, 'base deleted').toBe(manifest.base?.deleted);
  }
  for (const j of journals) {
    const data = await readFile(path.join(indexDir, j.name));
    let at = 0;
    const u32 = () => {
      const v = data.readUInt32LE(at);
      at += 4;
      return v;
    };
    const text = () => {
      const n = u32();
      at += n;
      return data.toString('utf8', at - n, at);
    };
    while (at < data.length) {
      expect(data.toString('latin1', at, at + 4), `${j.name}: batch magic`).toBe('VXJ1');
      at += 4;
      expect(u32(), `${j.name}: dimensions`).toBe(dimensions);
      const count = u32();
      for (let c = 0; c < count; c++) {
        const op = data[at++] as number;
        const key = keyOf({ collection: text(), id: text() });
        if (op === 2) {
          if (live.delete(key)) freeLabels++;
          continue;
        }
        expect(op, `${j.name}: op`).toBe(1);
        const vector = new Float32Array(dimensions);
        for (let d = 0; d < dimensions; d++) vector[d] = data.readFloatLE(at + 4 * d);
        at += 4 * dimensions;
        if (!live.has(key) && freeLabels > 0) freeLabels--;
        live.set(key, vector);
      }
    }
  }
  expect(live.size, 'manifest items').toBe(manifest.items);
  expect(freeLabels, 'manifest deleted').toBe(manifest.deleted);
  return { manifest, live, freeLabels };
}

/**
 * The saved index holds exactly the store's items, each with the vector the store has
 * (bit for bit for l2 and ip; cosine vectors are normalised by hnswlib-node, so compared as such).
 */
export function expectSavedEqualsStore(
  saved: SavedIndex,
  store: ReadonlyMap<string, readonly NormalizedItem[]>,
  metric: Metric,
): void {
  const want = new Map<string, Float32Array>();
  for (const [collection, items] of store) for (const it of items) want.set(keyOf({ collection, id: it.id }), it.vector);
  const missing = [...want.keys()].filter((k) => !saved.live.has(k));
  const extra = [...saved.live.keys()].filter((k) => !want.has(k));
  expect(missing.map((k) => k.replace('\u0000', '/')).slice(0, 10), 'store items missing from the saved index').toEqual([]);
  expect(extra.map((k) => k.replace('\u0000', '/')).slice(0, 10), 'saved index entries not in the store').toEqual([]);
  for (const [key, v] of want) {
    const got = saved.live.get(key) as Float32Array;
    if (metric === 'cosine') {
      // The binding stores v/|v| (float32); the same direction within float32 rounding.
      const cos = -distance('cosine', got, v) + 1;
      if (Math.abs(cos - 1) > 1e-5) expect.fail(`saved vector of ${key.replace('\u0000', '/')} is not the stored direction`);
    } else {
      for (let d = 0; d < v.length; d++) {
        if (got[d] !== v[d]) expect.fail(`saved vector of ${key.replace('\u0000', '/')} differs at ${d}: ${got[d]} vs ${v[d]}`);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
