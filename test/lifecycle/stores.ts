/**
 * Stores for the lifecycle suites: a sqlite-vec file in a temp directory, a pgvector schema on
 * the test server (VECDEX_TEST_PG_URL; test-all.sh sets VECDEX_REQUIRE_PG=1 so CI never skips),
 * each removed by `cleanupStores()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgVectorBackend } from '@vecdex/backend-pgvector';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, type VecdexConfig, openVecdex } from '@vecdex/core';

export const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
if (PG_URL === undefined && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: eval "$(bash scripts/setup-postgres.sh)" first');
}
const here = path.dirname(fileURLToPath(import.meta.url));
const cleanups: (() => Promise<void>)[] = [];

/** Close and remove every store opened here (call from afterAll). */
export async function cleanupStores(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

/** A fresh sqlite-vec store; `plugins` and a data directory when indexes are wanted. */
export async function sqliteStore(config: Pick<VecdexConfig, 'plugins'> = {}): Promise<Vecdex> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-lifecycle-'));
  const vx = await openVecdex({
    config: {
      backend: { use: sqlitevec, options: { path: path.join(dir, 'v.db') } },
      dataDir: path.join(dir, 'data'),
      ...config,
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

/** A fresh pgvector schema on the test server (its index files in a temp directory). */
export async function pgStore(config: Pick<VecdexConfig, 'plugins'> = {}): Promise<Vecdex> {
  const schema = `vdx_lifecycle_${process.pid}_${Date.now().toString(36)}_${cleanups.length}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-lifecycle-pg-'));
  const vx = await openVecdex({
    config: { dataDir: dir, ...config },
    env: { VECDEX_BACKEND: 'pgvector', VECDEX_DB_URL: PG_URL, VECDEX_PG_SCHEMA: schema },
    cwd: here,
  });
  cleanups.push(async () => {
    await (vx.backend as PgVectorBackend).pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await vx.close();
    await rm(dir, { recursive: true, force: true });
  });
  return vx;
}
