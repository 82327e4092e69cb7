import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Metadata, Metric, NormalizedItem } from '@vecdex/core';
import { createSqliteVecBackend, type SqliteVecBackend, type SqliteVecOptions } from '../src/index.js';

/** A fresh directory under the OS temp dir; remove it with `removeDir`. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-sqlitevec-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

let counter = 0;

/** A new store in a new file inside `dir`. */
export async function openStore(dir: string, options: SqliteVecOptions = {}): Promise<SqliteVecBackend> {
  counter += 1;
  return createSqliteVecBackend({ path: path.join(dir, `store-${counter}.db`), ...options });
}

/** A plain better-sqlite3 connection to look at the file behind the backend's back. */
export function rawDb(file: string): Database.Database {
  return new Database(file);
}

/** Deterministic PRNG (mulberry32): same seed, same sequence. */
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

export function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)] as T;
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
export async function codeOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  throw new Error('expected a rejection');
}
