import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Metadata, Metric, NormalizedItem } from '@vecdex/core';
import { createPgVectorBackend, type PgVectorBackend, type PgVectorOptions } from '../src/index.js';

/**
 * The test server: `VECDEX_TEST_PG_URL` (scripts/setup-postgres.sh prints it). Without it the
 * PostgreSQL suites are skipped locally, with one warning per test run; when
 * `VECDEX_REQUIRE_PG=1` (CI, scripts/test-all.sh) a missing server fails instead.
 */
export const PG_URL = process.env.VECDEX_TEST_PG_URL?.trim() || undefined;
export const NO_PG = PG_URL === undefined;

if (NO_PG) {
  if (process.env.VECDEX_REQUIRE_PG === '1') {
    throw new Error(
      'VECDEX_REQUIRE_PG=1 but VECDEX_TEST_PG_URL is not set: start a server with eval "$(bash scripts/setup-postgres.sh)" (CI must not skip the PostgreSQL suites)',
    );
  }
  warnOnce();
}

/** One warning per vitest run (all test files' workers share the parent process id). */
function warnOnce(): void {
  const marker = path.join(os.tmpdir(), `vecdex-skip-warning-pg-${process.ppid}`);
  try {
    fs.writeFileSync(marker, '', { flag: 'wx' });
  } catch {
    return;
  }
  console.warn(
    'vecdex: skipping the pgvector suites: VECDEX_TEST_PG_URL is not set. Run eval "$(bash scripts/setup-postgres.sh)" to start a throwaway PostgreSQL + pgvector server, then run the tests again.',
  );
}

/** The test server URL (only call inside suites skipped when NO_PG). */
export function pgUrl(): string {
  if (PG_URL === undefined) throw new Error('VECDEX_TEST_PG_URL is not set');
  return PG_URL;
}

let counter = 0;

/** A fresh schema name (the backend creates it on open). */
export function freshSchema(prefix = 't'): string {
  counter += 1;
  return `vdx_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/**
 * A unique `application_name` for a test's backend, so a test that looks for (or terminates)
 * its connections in `pg_stat_activity` never touches another test file running in parallel.
 */
export function freshAppName(): string {
  counter += 1;
  return `vecdex-test-${process.pid}-${counter}`;
}

/** Drop a schema made by a test, with everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`));
}

/** A plain client to look at the database behind the backend's back. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Backends and schemas opened by a test, closed and dropped by `cleanup`. */
export class Stores {
  #backends: PgVectorBackend[] = [];
  #schemas = new Set<string>();

  async open(options: PgVectorOptions & { schema?: string } = {}): Promise<PgVectorBackend> {
    const schema = options.schema ?? freshSchema();
    this.#schemas.add(schema);
    const b = await createPgVectorBackend({ connectionString: pgUrl(), ...options, schema });
    this.#backends.push(b);
    return b;
  }

  async cleanup(): Promise<void> {
    for (const b of this.#backends.splice(0)) await b.close().catch(() => undefined);
    for (const s of this.#schemas) await dropSchema(s);
    this.#schemas.clear();
  }
}

/** Deterministic PRNG (mulberry32). */
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

export function randomVector(r: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = r() * 2 - 1;
  return v;
}

export function item(
  id: string,
  vector: ArrayLike<number>,
  metadata: Metadata | null = null,
  content: string | null = null,
): NormalizedItem {
  return { id, vector: Float32Array.from(vector), content, metadata };
}

export function spec(name: string, dimensions: number, metric: Metric = 'l2') {
  return { name, dimensions, metric, model: null };
}

/** The VecdexError code a promise rejects with (fails the test when it resolves). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  throw new Error('expected a rejection');
}
