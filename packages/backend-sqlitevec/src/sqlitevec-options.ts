import path from 'node:path';
import { VecdexError, describeValue } from '@vecdex/core';
import type { BackendCreateContext } from '@vecdex/core';

/**
 * Options of the `sqlitevec` backend, as written in `vecdex.config.*`:
 *
 * ```ts
 * export default defineConfig({ backend: { use: 'sqlitevec', options: { path: './data/vecdex.db' } } })
 * ```
 */
export interface SqliteVecOptions {
  /**
   * The database file, or `':memory:'` for a store that lives only as long as the process.
   * Relative paths resolve against the config file's directory. Default `./vecdex.db`.
   * Environment variable: `VECDEX_SQLITE_PATH`.
   */
  path?: string;
  /**
   * Wall clock in milliseconds (default `Date.now`). Only used for the human-readable
   * `modified`/`createdAt` fields; the change feed never depends on it. Injectable for tests.
   */
  clock?: () => number;
  /** How long a write waits for another process's write to finish (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Open read-only: reads and searches work, every write throws. The store must exist. */
  readonly?: boolean;
  /**
   * `PRAGMA mmap_size` of a file store: how much of the file SQLite reads through a memory map
   * (default 1 GiB; 0 turns it off). vec0 reads its vector chunks (BLOBs spanning many overflow
   * pages) with one `pread()` per page without it, so exact search over 100k x 128 vectors
   * takes about 1.8x as long. The usual caveat of memory-mapped I/O applies: an I/O error on
   * the file (a disk failing, a network file system going away) ends the process with SIGBUS
   * instead of an error.
   */
  mmapSizeBytes?: number;
  /**
   * Memory for the in-memory copies of vectors that exact search scans with usearch's SIMD
   * kernel (default 2 GiB, across all collections of this store; 0 turns the copies off and
   * exact search scans vec0). A copy costs `4 × dimensions` bytes per vector, up to a third
   * more while it has room to grow, plus about 110 bytes per item: 1M × 128 takes about
   * 0.6 GB, 1M × 768 about 3.2 GB. A collection whose copy would not fit is searched in vec0
   * (same results, slower). Results are identical either way.
   */
  exactSearchMemoryBytes?: number;
}

/** Options after defaults were applied and `path` was made absolute. */
export interface ResolvedSqliteVecOptions {
  path: string;
  clock: () => number;
  busyTimeoutMs: number;
  readonly: boolean;
  mmapSizeBytes: number;
  exactSearchMemoryBytes: number;
}

export const DEFAULT_PATH = './vecdex.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
export const DEFAULT_MMAP_SIZE_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_EXACT_SEARCH_MEMORY_BYTES = 2 * 1024 * 1024 * 1024;
export const MEMORY_PATH = ':memory:';

/** Options taken from the environment; they override the config file. */
export function sqliteVecOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<SqliteVecOptions> {
  const out: Partial<SqliteVecOptions> = {};
  const p = env.VECDEX_SQLITE_PATH;
  if (p !== undefined && p.trim() !== '') out.path = p.trim();
  return out;
}

/**
 * Check option types (they come from a config file or the environment, so anything goes) and
 * apply defaults. Throws `CONFIG_INVALID` naming the option.
 */
export function resolveSqliteVecOptions(
  options: unknown,
  context: BackendCreateContext = { baseDir: process.cwd() },
): ResolvedSqliteVecOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) invalid('options', 'an object', options);
  const o = options as Record<string, unknown>;

  const rawPath = o.path ?? DEFAULT_PATH;
  if (typeof rawPath !== 'string' || rawPath.trim() === '') invalid('path', 'a file path or ":memory:"', rawPath);
  const p = rawPath === MEMORY_PATH ? MEMORY_PATH : path.resolve(context.baseDir, rawPath);

  const clock = o.clock ?? Date.now;
  if (typeof clock !== 'function') invalid('clock', 'a function returning milliseconds', clock);

  const busy = o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (typeof busy !== 'number' || !Number.isInteger(busy) || busy < 0) {
    invalid('busyTimeoutMs', 'a non-negative integer', busy);
  }

  const readonly = o.readonly ?? false;
  if (typeof readonly !== 'boolean') invalid('readonly', 'true or false', readonly);

  const mmap = o.mmapSizeBytes ?? DEFAULT_MMAP_SIZE_BYTES;
  if (typeof mmap !== 'number' || !Number.isSafeInteger(mmap) || mmap < 0) {
    invalid('mmapSizeBytes', 'a non-negative integer (0 turns memory-mapped reads off)', mmap);
  }

  const exactMemory = o.exactSearchMemoryBytes ?? DEFAULT_EXACT_SEARCH_MEMORY_BYTES;
  if (typeof exactMemory !== 'number' || !Number.isSafeInteger(exactMemory) || exactMemory < 0) {
    invalid('exactSearchMemoryBytes', 'a non-negative integer (0 turns the in-memory copies off)', exactMemory);
  }

  return {
    path: p,
    clock: clock as () => number,
    busyTimeoutMs: busy,
    readonly,
    mmapSizeBytes: mmap,
    exactSearchMemoryBytes: exactMemory,
  };
}

function invalid(name: string, expected: string, got: unknown): never {
  throw new VecdexError('CONFIG_INVALID', `backend "sqlitevec": option ${name} must be ${expected}, got ${describeValue(got)}`, {
    details: { backend: 'sqlitevec', option: name },
  });
}
