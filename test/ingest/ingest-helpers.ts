import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type IngestRecord, type Vecdex, openVecdex } from '@vecdex/core';

/** A vecdex store in a fresh SQLite file; `reopen` opens the same file again. */
export async function tempStore(): Promise<{ dir: string; open: () => Promise<Vecdex>; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-ingest-'));
  const open = () =>
    openVecdex({ config: { backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } } }, cwd: dir, env: {} });
  return { dir, open, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `n` records with distinct texts; `tag` changes every text. */
export function corpus(n: number, tag = ''): IngestRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `doc-${String(i).padStart(4, '0')}`,
    text: `document number ${i} about topic ${i % 7}${tag}`,
    metadata: { n: i, topic: i % 7 },
  }));
}

/** A tiny seeded PRNG (mulberry32), so chaos is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
