/**
 * The two stores every adapter test runs on: a sqlite-vec file in a temp directory and a
 * pgvector schema on the test server (VECDEX_TEST_PG_URL; test-all.sh sets VECDEX_REQUIRE_PG=1,
 * so CI never skips it), both with the hnswlib index plugin. `cleanupStores()` closes and removes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pgvector, { type PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import hnswlib from '@vecdex/index-hnswlib';
import { type Vecdex, openVecdex } from '@vecdex/core';

export const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}
const cleanups: (() => Promise<void>)[] = [];

export async function cleanupStores(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

async function sqliteStore(): Promise<Vecdex> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-langchain-'));
  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } },
      dataDir: path.join(dir, 'data'),
      plugins: [hnswlib],
    },
    cwd: dir,
    env: {},
  });
  cleanups.push(async () => {
    await vx.close();
    await rm(dir, { recursive: true, force: true });
  });
  return vx;
}

async function pgStore(): Promise<Vecdex> {
  const schema = `vdx_langchain_${process.pid}_${Date.now().toString(36)}_${cleanups.length}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-langchain-pg-'));
  const vx = await openVecdex({
    config: { backend: { use: pgvector, options: { connectionString: PG_URL, schema } }, dataDir: dir, plugins: [hnswlib] },
    cwd: dir,
    env: {},
  });
  cleanups.push(async () => {
    await (vx.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await vx.close();
    await rm(dir, { recursive: true, force: true });
  });
  return vx;
}

/** `[name, open, skip]` for `describe.each`: pgvector is skipped (visibly) without a server. */
export const STORES: [string, () => Promise<Vecdex>, boolean][] = [
  ['sqlite-vec', sqliteStore, false],
  ['pgvector', pgStore, PG_URL === undefined],
];
