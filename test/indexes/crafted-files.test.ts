/**
 * Index files edited on purpose, with their manifest re-sealed (sizes, sha256 and a newer
 * generation, so the catalog's record of the old file does not catch them): what someone who
 * can write the index directory, or a bug in a writer, could leave. Each plugin must walk its
 * native file before handing it to native code, refuse it, and core must rebuild from the
 * store. The loads run in a child process (fixtures/load-child.mjs): before these checks a
 * changed entry point or max level crashed the process (SIGSEGV / SIGABRT) and a capacity of
 * 2^24 allocated ~800 MB, which here shows up as a signal or a missing report.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import usearch from '@vecdex/index-usearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faissProblem } from '../faiss-available.js';

const CHILD = fileURLToPath(new URL('./fixtures/load-child.mjs', import.meta.url));
const DIMS = 16;
const ITEMS = 3000;
const COLLECTION = 'docs';

let root: string;
const pristine = new Map<string, string>();

/** hnswlib's header fields and per-element layout for M = 8 (see hnsw-file-check.ts). */
const M = 8;
const HNSW = { perElement: 2 * M * 4 + 4 + DIMS * 4 + 8, header: 96, linkSize: M * 4 + 4 };

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'vecdex-crafted-'));
  const plugins = [hnswlib, usearch];
  if (faissProblem === null) plugins.push((await import('@vecdex/sidecar-faiss')).default);
  const dir = path.join(root, 'pristine');
  const vx = await openVecdex({
    config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } }, plugins, dataDir: dir },
    cwd: dir,
    env: {},
  });
  const rng = new Random(13_5);
  await vx.collections.create({ name: COLLECTION, dimensions: DIMS, metric: 'l2' });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ id: `i${i}`, vector: rng.vector(DIMS) }));
  await vx.collection(COLLECTION).upsert(items);
  await vx.collection(COLLECTION).delete(items.slice(0, 40).map((it) => it.id)); // tombstones too
  const defs: [string, string, object][] = [
    ['hnsw', 'hnswlib', { M, efConstruction: 40 }],
    ['us', 'usearch', { connectivity: 8, expansionAdd: 40 }],
  ];
  if (faissProblem === null) defs.push(['fx', 'faiss', { factory: 'HNSW8' }], ['flat', 'faiss', { factory: 'Flat' }]);
  for (const [name, plugin, params] of defs) {
    await vx.indexes.create({ name, plugin, collections: [COLLECTION], params: params as never });
    await vx.indexes.build(name);
    pristine.set(name, plugin);
  }
  await vx.close();
}, 120_000);

afterAll(() => rm(root, { recursive: true, force: true }));

/** A copy of the pristine store whose index `name` has `edit` applied to its native file, manifest re-sealed. */
async function crafted(name: string, edit: (data: Buffer) => void): Promise<string> {
  const dir = await mkdtemp(path.join(root, `${name}-`));
  await cp(path.join(root, 'pristine'), dir, { recursive: true });
  const indexDir = path.join(dir, 'indexes', name);
  const manifestPath = path.join(indexDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  const file = path.join(indexDir, manifest.files.index.name);
  const data = await readFile(file);
  edit(data);
  await writeFile(file, data);
  manifest.files.index.bytes = data.length;
  manifest.files.index.sha256 = createHash('sha256').update(data).digest('hex');
  manifest.generation += 1; // newer than the catalog's record: accepted as far as the catalog goes
  await writeFile(manifestPath, JSON.stringify(manifest));
  expect((await readdir(indexDir)).sort()).toContain('manifest.json');
  return dir;
}

interface Report {
  items: number;
  lastRebuild: string | null;
  hits: number;
  strategy: string;
}

function runChild(dir: string, index: string): Promise<{ report: Report | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CHILD, path.join(dir, 'store.db'), dir, index, COLLECTION, String(DIMS)],
      { timeout: 60_000, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        let report: Report | null = null;
        try {
          report = JSON.parse(line) as Report;
        } catch {
          report = null;
        }
        resolve({ report, signal: (error as { signal?: string } | null)?.signal ?? null, stderr });
      },
    );
  });
}

async function expectRebuilt(name: string, edit: (data: Buffer) => void, reason: RegExp): Promise<void> {
  const dir = await crafted(name, edit);
  const { report, signal, stderr } = await runChild(dir, name);
  expect(signal, `the load crashed: ${stderr}`).toBeNull();
  expect(report, `no report: ${stderr}`).not.toBeNull();
  expect(report?.lastRebuild ?? '').toMatch(/failed verification/);
  expect(report?.lastRebuild ?? '').toMatch(reason);
  expect(report?.items).toBe(ITEMS - 40);
  expect(report).toMatchObject({ hits: 5, strategy: 'index' });
}

// ---- hnswlib ------------------------------------------------------------------------------------
const count = (d: Buffer) => Number(d.readBigUInt64LE(16));
const upperStart = (d: Buffer) => HNSW.header + count(d) * HNSW.perElement;
/** The byte counts of every element's upper link lists, in order. */
function hnswLevels(d: Buffer): number[] {
  const out: number[] = [];
  let o = upperStart(d);
  for (let i = 0; i < count(d); i++) {
    const size = d.readUInt32LE(o);
    out.push(size / HNSW.linkSize);
    o += 4 + size;
  }
  return out;
}

describe('hnswlib: an edited file with a re-sealed manifest is refused before readIndex, and rebuilt', () => {
  it('the untouched copy loads (the crafting itself changes nothing)', async () => {
    const dir = await crafted('hnsw', () => undefined);
    const { report, signal } = await runChild(dir, 'hnsw');
    expect(signal).toBeNull();
    expect(report).toMatchObject({ lastRebuild: null, items: ITEMS - 40, hits: 5 });
  });
  it('a higher max level (was SIGABRT)', () =>
    expectRebuilt('hnsw', (d) => d.writeInt32LE(d.readInt32LE(48) + 1, 48), /max level|entry point/));
  it('an entry point on a lower level (was SIGSEGV)', () =>
    expectRebuilt(
      'hnsw',
      (d) => {
        const levels = hnswLevels(d);
        d.writeUInt32LE(levels.indexOf(0), 52);
      },
      /entry point/,
    ));
  it('a capacity of 2^24 in a small file (was an ~800 MB allocation)', () =>
    expectRebuilt('hnsw', (d) => d.writeBigUInt64LE(1n << 24n, 8), /capacity/));
  it('a level-0 neighbour beyond the element count', () =>
    expectRebuilt('hnsw', (d) => d.writeUInt32LE(count(d) + 7, HNSW.header + 4), /links to element/));
  it('a link count above 2·M', () => expectRebuilt('hnsw', (d) => d.writeUInt16LE(2 * M + 1, HNSW.header), /level-0 links/));
  it('an upper-level neighbour beyond the element count', () =>
    expectRebuilt(
      'hnsw',
      (d) => {
        const levels = hnswLevels(d);
        let o = upperStart(d);
        for (let i = 0; i < levels.indexOf(levels.find((l) => l > 0) as number); i++) o += 4 + d.readUInt32LE(o);
        d.writeUInt16LE(1, o + 4);
        d.writeUInt32LE(count(d) + 3, o + 8);
      },
      /on level 1/,
    ));
  it("a label copied onto another element (element 0's onto element 1)", () =>
    expectRebuilt(
      'hnsw',
      (d) => d.writeBigUInt64LE(d.readBigUInt64LE(HNSW.header + HNSW.perElement - 8), HNSW.header + 2 * HNSW.perElement - 8),
      /label \d+ is on two elements/,
    ));
  it('a label beyond the slot count', () =>
    expectRebuilt(
      'hnsw',
      (d) => d.writeBigUInt64LE(BigInt(count(d) + 2), HNSW.header + 2 * HNSW.perElement - 8),
      /beyond the \d+ slots/,
    ));
});

// ---- usearch ------------------------------------------------------------------------------------
interface UsearchLayout {
  rows: number;
  graph: number;
  levels: number[];
  nodes: number;
}
function usearchLayout(d: Buffer): UsearchLayout {
  const rows = d.readUInt32LE(0);
  const graph = 8 + rows * d.readUInt32LE(4) + 64;
  const levels = Array.from({ length: rows }, (_, i) => d.readInt16LE(graph + 40 + 2 * i));
  return { rows, graph, levels, nodes: graph + 40 + 2 * rows };
}

describe('usearch: an edited file with a re-sealed manifest is refused before load, and rebuilt', () => {
  it('the untouched copy loads', async () => {
    const dir = await crafted('us', () => undefined);
    const { report, signal } = await runChild(dir, 'us');
    expect(signal).toBeNull();
    expect(report).toMatchObject({ lastRebuild: null, items: ITEMS - 40, hits: 5 });
  });
  it('a higher max level', () =>
    expectRebuilt(
      'us',
      (d) => {
        const { graph } = usearchLayout(d);
        d.writeBigUInt64LE(d.readBigUInt64LE(graph + 24) + 1n, graph + 24);
      },
      /max level/,
    ));
  it('an entry slot on a lower level', () =>
    expectRebuilt(
      'us',
      (d) => {
        const { graph, levels } = usearchLayout(d);
        d.writeBigUInt64LE(BigInt(levels.indexOf(0)), graph + 32);
      },
      /entry slot/,
    ));
  it('an entry slot beyond the nodes', () =>
    expectRebuilt(
      'us',
      (d) => {
        const { graph, rows } = usearchLayout(d);
        d.writeBigUInt64LE(BigInt(rows + 100), graph + 32);
      },
      /entry slot/,
    ));
  it('a neighbour slot beyond the nodes', () =>
    expectRebuilt(
      'us',
      (d) => {
        const { nodes, rows } = usearchLayout(d);
        d.writeUInt32LE(Math.max(1, d.readUInt32LE(nodes + 10)), nodes + 10);
        d.writeUInt32LE(rows + 9, nodes + 14);
      },
      /links to slot/,
    ));
  it('more present entries than the label map has', () =>
    expectRebuilt(
      'us',
      (d) => {
        const { graph } = usearchLayout(d);
        d.writeBigUInt64LE(d.readBigUInt64LE(graph - 64 + 17) + 1n, graph - 64 + 17);
      },
      /present/,
    ));
});

// ---- FAISS --------------------------------------------------------------------------------------
const describeFaiss = faissProblem === null ? describe : describe.skip;

/** The HNSW graph's vectors in a FAISS `IHNf` file: [start of data, entries] per vector, then entry point's offset. */
function faissHnsw(d: Buffer): { vectors: [number, number][]; entryAt: number } {
  let o = 37;
  const vectors: [number, number][] = [];
  for (const size of [8, 4, 4, 8, 4]) {
    const n = Number(d.readBigUInt64LE(o));
    vectors.push([o + 8, n]);
    o += 8 + n * size;
  }
  return { vectors, entryAt: o };
}

describeFaiss('FAISS: an edited file with a re-sealed manifest is refused before read_index, and rebuilt', () => {
  it('the untouched copies load', async () => {
    for (const name of ['fx', 'flat']) {
      const dir = await crafted(name, () => undefined);
      const { report, signal } = await runChild(dir, name);
      expect(signal).toBeNull();
      expect(report).toMatchObject({ lastRebuild: null, items: ITEMS - 40 });
    }
  });
  it('HNSW: an entry point on a lower level', () =>
    expectRebuilt(
      'fx',
      (d) => {
        const { vectors, entryAt } = faissHnsw(d);
        const [levelsAt, n] = vectors[2] as [number, number];
        const low = Array.from({ length: n }, (_, i) => d.readInt32LE(levelsAt + 4 * i)).indexOf(1);
        d.writeInt32LE(low, entryAt);
      },
      /entry point/,
    ));
  it('HNSW: a neighbour beyond the vectors', () =>
    expectRebuilt(
      'fx',
      (d) => {
        const [neighborsAt] = faissHnsw(d).vectors[4] as [number, number];
        d.writeInt32LE(ITEMS + 50, neighborsAt);
      },
      /neighbour/,
    ));
  it('Flat: a vector length of 2^38 floats (an allocation FAISS cannot make: abort)', () =>
    expectRebuilt('flat', (d) => d.writeBigUInt64LE(1n << 38n, 37), /floats/));
});
