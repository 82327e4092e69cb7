/**
 * Crash safety of the index lifecycle, with real SIGKILLs: a child process
 * (fixtures/crash-child.mjs) opens the store and syncs or rebuilds the hnswlib index, printing
 * each phase; the parent kills it with SIGKILL during the build, the apply, the save, between
 * the save and the catalog write... Then the parent opens the store normally and checks that
 * nothing was lost: the store holds every committed item, the index LOADS (an interrupted save
 * never leaves unloadable files), it is exactly as far behind as the catalog says, and after a
 * sync the saved index holds exactly the store's vectors and answers like exact search.
 *
 * Then the index files are corrupted on purpose (truncated, a flipped byte, no manifest...):
 * the next open must notice, say why, and rebuild from the store.
 *
 * The rounds share one store and run in order: each starts from what the previous one left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open as openFile, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NormalizedItem, Vecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  INDEX,
  type TestStore,
  expectExactTopK,
  expectSavedEqualsStore,
  readSavedIndex,
  readStore,
  tempStore,
} from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const DIMS = 32;
const PER_COLLECTION = 10_000;
const COLLECTIONS = ['a', 'b'] as const;
/** Distinct items changed before each round: > 1000 so a sync reads two feed batches, < 50% of the items so it applies them. */
const UPDATES = 900;
const DELETES = 150;
const NEW = 150;
const CHANGES = UPDATES + DELETES + NEW;
/** Per query: far above k, so HNSW answers like exact search on 20k 32-d items. */
const QUERY_PARAMS = { efSearch: 4000 };

let store: TestStore;
const rng = new Random(20_261_123);
/** Live ids per collection, as the parent committed them. */
const live = new Map<string, Set<string>>(COLLECTIONS.map((c) => [c, new Set()]));
/** Index items as of the catalog (what a load of the catalog's generation holds). */
let indexedItems = 0;
const children = new Set<ChildProcess>();

const liveCount = (): number => [...live.values()].reduce((n, s) => n + s.size, 0);

beforeAll(async () => {
  store = await tempStore('vecdex-crash-');
  const vx = await store.open();
  try {
    for (const c of COLLECTIONS) {
      await vx.collections.create({ name: c, dimensions: DIMS, metric: 'l2' });
      for (let start = 0; start < PER_COLLECTION; start += 5000) {
        const batch = [];
        for (let i = start; i < start + 5000; i++) batch.push({ id: `k${i}`, vector: rng.vector(DIMS) });
        await vx.collection(c).upsert(batch);
        for (const b of batch) live.get(c)?.add(b.id);
      }
    }
    await vx.indexes.create({
      name: INDEX,
      plugin: 'hnswlib',
      collections: [...COLLECTIONS],
      // Every save writes whole, so each round walks the whole-save protocol (SAVE_STEPS); the
      // journal's append protocol is killed step by step in journal-crash.test.ts.
      params: { M: 16, efConstruction: 64, efSearch: 64, journalFiles: 0 },
    });
    const st = await vx.indexes.build(INDEX);
    expect(st.items).toBe(2 * PER_COLLECTION);
    indexedItems = st.items;
  } finally {
    await vx.close();
  }
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store?.cleanup();
});

/** Commit CHANGES distinct changes (updates, deletes, new items) the index has not seen. */
async function writeChanges(round: string): Promise<void> {
  const vx = await store.open();
  try {
    const byCollection = new Map<string, string[]>(COLLECTIONS.map((c) => [c, [...(live.get(c) as Set<string>)]]));
    const picked = new Set<string>();
    const pick = (): [string, string] => {
      for (;;) {
        const c = rng.pick(COLLECTIONS);
        const id = rng.pick(byCollection.get(c) as string[]);
        if (!picked.has(`${c}/${id}`)) {
          picked.add(`${c}/${id}`);
          return [c, id];
        }
      }
    };
    const updates = new Map<string, { id: string; vector: Float32Array }[]>(COLLECTIONS.map((c) => [c, []]));
    for (let i = 0; i < UPDATES; i++) {
      const [c, id] = pick();
      updates.get(c)?.push({ id, vector: rng.vector(DIMS) });
    }
    const deletes = new Map<string, string[]>(COLLECTIONS.map((c) => [c, []]));
    for (let i = 0; i < DELETES; i++) {
      const [c, id] = pick();
      deletes.get(c)?.push(id);
    }
    const added = new Map<string, { id: string; vector: Float32Array }[]>(COLLECTIONS.map((c) => [c, []]));
    for (let i = 0; i < NEW; i++) added.get(rng.pick(COLLECTIONS))?.push({ id: `${round}-n${i}`, vector: rng.vector(DIMS) });
    for (const c of COLLECTIONS) await vx.collection(c).upsert(updates.get(c) ?? []);
    for (const c of COLLECTIONS) {
      expect(await vx.collection(c).delete(deletes.get(c) ?? [])).toBe(deletes.get(c)?.length);
      for (const id of deletes.get(c) ?? []) live.get(c)?.delete(id);
    }
    for (const c of COLLECTIONS) {
      await vx.collection(c).upsert(added.get(c) ?? []);
      for (const it of added.get(c) ?? []) live.get(c)?.add(it.id);
    }
    expect((await vx.indexes.status(INDEX)).pendingChanges).toBe(CHANGES);
  } finally {
    await vx.close();
  }
}

interface Plan {
  action: 'sync' | 'rebuild';
  /** The child kills itself at this exact point. */
  dieAt?: 'after-save';
  /** The child kills itself right before its n-th file operation in the index directory. */
  dieBeforeFsOp?: number;
  /** Else the parent kills it `delay` ms after the first stdout line matching this. */
  trigger?: (line: string, count: number) => boolean;
  delay?: number;
}

interface ChildRun {
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

function runChild(plan: Plan): Promise<ChildRun> {
  const args = JSON.stringify({
    dbPath: store.dbPath,
    dataDir: store.dataDir,
    action: plan.action,
    dieAt: plan.dieAt ?? null,
    dieBeforeFsOp: plan.dieBeforeFsOp ?? null,
  });
  const child = spawn(process.execPath, [CHILD, args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let stderr = '';
  let pending = '';
  let armed = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      lines.push(line);
      if (!armed && plan.trigger?.(line, lines.length) === true) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), plan.delay ?? 0);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // Never left running: a child that neither dies nor gets killed is killed here (and the test fails on its lines).
  const safety = setTimeout(() => child.kill('SIGKILL'), 25_000);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(safety);
      children.delete(child);
      resolve({ lines, signal, code, stderr });
    });
  });
}

/** Open, check the store and the loaded index against what the catalog says, sync, check everything. */
async function verifyAfterCrash(run: ChildRun, where: string): Promise<void> {
  const catalogWritten = run.lines.includes('catalog-done');
  const swap = manifestSwapped(run);
  const vx = await store.open();
  try {
    // The store holds every committed item.
    for (const c of COLLECTIONS) expect(await vx.collection(c).count(), `${where}: ${c} count`).toBe(live.get(c)?.size);
    const catalog = await vx.backend.getIndexState(INDEX);
    const st = await vx.indexes.status(INDEX);
    // An interrupted build, apply or save never leaves files that fail to load.
    expect(st.lastRebuild, `${where}: loaded, not rebuilt`).toBeNull();
    expect(st.stats?.lastLoadProblem ?? null).toBeNull();
    expect(st.built).toBe(true);
    const fileGeneration = st.stats?.generation as number;
    const catalogGeneration = catalog?.state.generation as number;
    if (catalogWritten) {
      expect(st.pendingChanges, `${where}: the child's catalog write went through`).toBe(0);
      expect(st.items).toBe(liveCount());
      expect(fileGeneration).toBe(catalogGeneration);
    } else {
      // The catalog still lists every change as pending; the files are the catalog's generation,
      // or the new one once the child's manifest rename went through (then the cursor lags the files).
      expect(st.pendingChanges).toBe(CHANGES);
      const newer = swap === 'maybe' ? fileGeneration !== catalogGeneration : swap === 'yes';
      if (newer) {
        expect(fileGeneration, `${where}: the newer files are loaded`).toBeGreaterThan(catalogGeneration);
        expect(st.items).toBe(liveCount());
      } else {
        expect(fileGeneration, `${where}: the catalog's generation is loaded`).toBe(catalogGeneration);
        expect(st.items, `${where}: the index as of the catalog`).toBe(indexedItems);
      }
    }

    const res = await vx.indexes.sync(INDEX);
    // Replaying changes the loaded files already hold is harmless: same vectors, absent keys.
    expect(res).toEqual({ applied: catalogWritten ? 0 : CHANGES, rebuilt: null });
    const after = await vx.indexes.status(INDEX);
    expect(after.pendingChanges).toBe(0);
    expect(after.items, `${where}: index items = store count`).toBe(liveCount());
    expect(after.deletedFraction).toBeLessThanOrEqual(0.1);
    indexedItems = after.items;
    await expectConsistent(vx, where);
  } finally {
    await vx.close();
  }
}

/** Exactly one generation on disk, the catalog's, holding the store's vectors; searches exact. */
async function expectConsistent(vx: Vecdex, where: string): Promise<void> {
  const catalog = await vx.backend.getIndexState(INDEX);
  const g = catalog?.state.generation;
  expect((await readdir(store.indexDir)).sort(), `${where}: files of one generation, no leftovers`).toEqual([
    `index.${g}.hnsw`,
    `labels.${g}.json`,
    'manifest.json',
  ]);
  const items = await readStore(vx, COLLECTIONS);
  for (const c of COLLECTIONS) {
    expect(new Set((items.get(c) as NormalizedItem[]).map((i) => i.id))).toEqual(live.get(c));
  }
  const saved = await readSavedIndex(store.indexDir, DIMS);
  expect(saved.manifest.generation).toBe(g);
  expectSavedEqualsStore(saved, items, 'l2');
  const all = [...items.values()].flat();
  for (let q = 0; q < 5; q++) {
    // Near a stored item (the usual query) or anywhere.
    const base = rng.pick(all).vector;
    const v = q < 3 ? base.map((x) => x + rng.between(-0.05, 0.05)) : rng.vector(DIMS);
    const { hits } = await vx.indexes.search(INDEX, v, { k: 10, stale: 'error', params: QUERY_PARAMS });
    expectExactTopK(hits, items, v, 'l2', 10);
    const c = rng.pick(COLLECTIONS);
    const only = new Map([[c, items.get(c) as NormalizedItem[]]]);
    const res = await vx.collection(c).search(v, { index: INDEX, k: 10, stale: 'error', include: {}, params: QUERY_PARAMS });
    expect(res.plan.strategy).toBe('index');
    expectExactTopK(res.hits, only, v, 'l2', 10);
  }
}

function expectKilled(run: ChildRun, where: string): void {
  expect(run.stderr, `${where}: child stderr`).not.toMatch(/Error/);
  expect(run.signal, `${where}: the child died of SIGKILL (lines: ${run.lines.join(' | ')})`).toBe('SIGKILL');
  // The child loaded what the previous round left (never had to rebuild it).
  const loaded = run.lines.find((l) => l.startsWith('loaded '));
  expect(loaded, `${where}: the child opened the index`).toBeDefined();
  expect(JSON.parse((loaded as string).slice(7))).toMatchObject({ lastRebuild: null, pending: CHANGES });
}

/**
 * The file operations of one save (generation G, replacing F), in order: what hnswlib-node's
 * writeIndex wrote as index.G.hnsw.tmp is fsynced, checked and renamed; the label map and the
 * manifest are each written to a .tmp, fsynced and renamed; the directory is fsynced; the files
 * of generation F are removed. Round "killed right after the catalog write" checks this list.
 */
const SAVE_STEPS = [
  'rename index.G.hnsw.tmp',
  'open-w labels.G.json.tmp',
  'rename labels.G.json.tmp',
  'open-w manifest.json.tmp',
  'rename manifest.json.tmp',
  'rm index.F.hnsw',
  'rm labels.F.json',
];

/**
 * Whether the child's new manifest replaced the old one before it died: after `save-done` or
 * any file operation that follows the manifest rename, yes; killed (by the parent) right after
 * announcing the rename, maybe.
 */
function manifestSwapped(run: ChildRun): 'yes' | 'no' | 'maybe' {
  if (run.lines.some((l) => l.startsWith('save-done'))) return 'yes';
  const steps = fsSteps(run);
  const rename = SAVE_STEPS.indexOf('rename manifest.json.tmp');
  const diedBefore = run.lines.at(-1)?.startsWith('dying before fs') === true;
  const done = diedBefore ? steps.length - 1 : steps.length;
  if (done > rename + 1 || (diedBefore && done === rename + 1)) return 'yes';
  return done === rename + 1 ? 'maybe' : 'no';
}

/** The child's file operations ("fs n op file" lines, and the one it died before), generations as G (new) and F (old). */
function fsSteps(run: ChildRun): string[] {
  const lines = run.lines.filter((l) => /^(?:fs|dying before fs) \d+ /.test(l));
  // The first operation is always the rename of the new generation's index file.
  const newGen = /\.(\d+)\./.exec(lines[0] ?? '')?.[1];
  return lines.map((l) =>
    l
      .replace(/^(?:fs|dying before fs) \d+ /, '')
      .replace(/\.(\d+)\./, (_m, g: string) => (g === newGen ? '.G.' : '.F.'))
      // Temporary files carry a writer-unique token (`labels.G.json.<pid>-<hex>.tmp`).
      .replace(/\.\d+-[0-9a-f]{8}\.tmp$/, '.tmp'),
  );
}

const first = (prefix: string) => (line: string) => line.startsWith(prefix);
const delay = (min: number, max: number) => Math.round(rng.between(min, max));

/** Where the kill landed, from the last phase line the child printed. */
function landedIn(run: ChildRun): string {
  const phases = run.lines.filter((l) => /^(progress|apply|applied|save-|native-|fs |catalog-|dying|done)/.test(l));
  return phases[phases.length - 1] ?? 'before any work';
}

describe('SIGKILL at random points of sync, build and save', () => {
  const landed: string[] = [];
  const rounds: [string, () => Plan, (run: ChildRun) => void][] = [
    [
      'sync, killed while applying the first feed batch',
      () => ({ action: 'sync', trigger: first('start sync'), delay: delay(150, 400) }),
      // Where a timed kill lands depends on the machine's speed: only what the trigger guarantees is checked.
      (run) => expect(run.lines.some((l) => l.startsWith('apply '))).toBe(true),
    ],
    [
      'sync, killed while applying the second feed batch',
      () => ({ action: 'sync', trigger: first('progress sync'), delay: delay(0, 60) }),
      (run) => expect(run.lines.some((l) => l.startsWith('progress sync'))).toBe(true),
    ],
    [
      'rebuild, killed in the middle of the build',
      () => {
        const nth = 2 + rng.int(12);
        return { action: 'rebuild', trigger: (l, n) => l.startsWith('progress build') && n >= nth, delay: delay(0, 30) };
      },
      (run) => {
        expect(run.lines.some((l) => l.startsWith('progress build'))).toBe(true);
        expect(run.lines.some((l) => l.startsWith('save-start'))).toBe(false);
      },
    ],
    ['sync, killed during the save', () => ({ action: 'sync', trigger: first('save-start'), delay: delay(0, 25) }), () => {}],
    [
      'rebuild, killed during the save',
      () => ({ action: 'rebuild', trigger: first('save-start'), delay: delay(0, 25) }),
      () => {},
    ],
    [
      'sync, dies after the save and before the catalog write (newer files than the cursor)',
      () => ({ action: 'sync', dieAt: 'after-save' }),
      (run) => {
        expect(run.lines.at(-1)).toBe('dying after-save');
        expect(run.lines.includes('catalog-start')).toBe(false);
      },
    ],
    [
      'rebuild, dies after the save and before the catalog write',
      () => ({ action: 'rebuild', dieAt: 'after-save' }),
      (run) => expect(run.lines.at(-1)).toBe('dying after-save'),
    ],
    [
      'sync, killed right after the catalog write',
      () => ({ action: 'sync', trigger: first('catalog-done'), delay: 0 }),
      (run) => {
        expect(run.lines.includes('catalog-done')).toBe(true);
        expect(fsSteps(run), 'the save protocol').toEqual(SAVE_STEPS);
      },
    ],
    // Every step of a save, exactly: the child dies right before its n-th file operation in the index directory.
    ...SAVE_STEPS.map((step, n): [string, () => Plan, (run: ChildRun) => void] => {
      const action = n % 2 === 0 ? 'sync' : 'rebuild';
      return [
        `${action}, dies during the save, right before: ${step}`,
        () => ({ action, dieBeforeFsOp: n + 1, trigger: first('done') }),
        (run) => {
          expect(fsSteps(run)).toEqual(SAVE_STEPS.slice(0, n + 1));
          expect(run.lines.at(-1)).toMatch(new RegExp(`^dying before fs ${n + 1} `));
          expect(run.lines.includes('catalog-start')).toBe(false);
        },
      ];
    }),
  ];

  rounds.forEach(([name, makePlan, checkRun], i) => {
    it(`round ${i + 1}: ${name}`, async () => {
      const where = `round ${i + 1}`;
      await writeChanges(`r${i + 1}`);
      const run = await runChild(makePlan());
      expectKilled(run, where);
      checkRun(run);
      landed.push(`${where}: ${landedIn(run)}  [files left: ${(await readdir(store.indexDir)).sort().join(' ')}]`);
      // A mid-save kill may leave tmp files or a half-written generation; the next open must not care.
      await verifyAfterCrash(run, where);
    }, 30_000);
  });

  it('the kills landed in different phases', () => {
    expect(landed).toHaveLength(rounds.length);
    const phases = new Set(landed.map((l) => l.split(': ')[1]?.split(' ')[0]));
    expect(phases.size, landed.join('\n')).toBeGreaterThanOrEqual(4);
  });
});

async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await openFile(file, 'r+');
  try {
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, offset);
    buf[0] = (buf[0] as number) ^ 0x5a;
    await handle.write(buf, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

async function newestIndexFile(): Promise<string> {
  const names = (await readdir(store.indexDir)).filter((n) => /^index\.\d+\.hnsw$/.test(n));
  names.sort((x, y) => Number(y.split('.')[1]) - Number(x.split('.')[1]));
  expect(names.length).toBeGreaterThan(0);
  return path.join(store.indexDir, names[0] as string);
}

describe('corrupt index files are detected and rebuilt from the store', () => {
  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      'the newest index.*.hnsw truncated to half',
      async () => {
        const file = await newestIndexFile();
        await truncate(file, Math.floor((await stat(file)).size / 2));
      },
      /bytes/,
    ],
    [
      'one byte flipped in the middle of index.*.hnsw',
      async () => {
        const file = await newestIndexFile();
        await flipByte(file, Math.floor((await stat(file)).size / 2));
      },
      /checksum/,
    ],
    ['manifest.json deleted', () => rm(path.join(store.indexDir, 'manifest.json')), /no manifest/],
    [
      'one byte flipped in labels.*.json',
      async () => {
        const name = (await readdir(store.indexDir)).find((n) => /^labels\.\d+\.json$/.test(n)) as string;
        await flipByte(path.join(store.indexDir, name), 100);
      },
      /checksum/,
    ],
    [
      'manifest.json overwritten with garbage',
      () => writeFile(path.join(store.indexDir, 'manifest.json'), '{"format": "vecdex-hnswlib", '),
      /not valid JSON/,
    ],
    [
      'the files of an older generation put back (the catalog expects a newer one)',
      async () => {
        // Keep this generation's files, let one more sync save the next, then restore the old ones.
        const keep = new Map<string, Buffer>();
        for (const name of await readdir(store.indexDir)) keep.set(name, await readFile(path.join(store.indexDir, name)));
        const vx = await store.open();
        try {
          await vx.collection('a').upsert([{ id: 'extra', vector: rng.vector(DIMS) }]);
          live.get('a')?.add('extra');
          expect((await vx.indexes.sync(INDEX)).applied).toBe(CHANGES + 1);
        } finally {
          await vx.close();
        }
        for (const name of await readdir(store.indexDir)) await rm(path.join(store.indexDir, name));
        for (const [name, data] of keep) await writeFile(path.join(store.indexDir, name), data);
      },
      /generation/,
    ],
    ['the whole index directory deleted', () => rm(store.indexDir, { recursive: true, force: true }), /no manifest/],
  ];

  cases.forEach(([name, corrupt, reason], i) => {
    it(`${name}: detected, rebuilt with the reason, correct results`, async () => {
      const where = `corruption ${i + 1}`;
      await writeChanges(`c${i + 1}`); // pending changes: the rebuild must include them
      await corrupt();
      let vx = await store.open();
      try {
        const st = await vx.indexes.status(INDEX);
        expect(st.lastRebuild, `${where}: rebuilt on open`).toMatch(/missing or failed verification/);
        expect(st.lastRebuild).toMatch(reason);
        expect(st.stats?.lastLoadProblem).toMatch(reason);
        expect(st.pendingChanges, 'the rebuild read the store, pending writes included').toBe(0);
        expect(st.items).toBe(liveCount());
        expect(st.deleted).toBe(0);
        await expectConsistent(vx, where);
      } finally {
        await vx.close();
      }
      // The rebuilt files load in the next process.
      vx = await store.open();
      try {
        const st = await vx.indexes.status(INDEX);
        expect(st.lastRebuild).toBeNull();
        expect(st.items).toBe(liveCount());
        indexedItems = st.items;
      } finally {
        await vx.close();
      }
    }, 30_000);
  });
});
