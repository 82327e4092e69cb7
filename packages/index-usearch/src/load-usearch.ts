import { VecdexError } from '@vecdex/core';

/**
 * The part of usearch's `Index` this plugin calls. Declared here instead of importing the
 * package's types, so the plugin's types do not depend on its exact version. Keys are
 * BigUint64; vectors are typed arrays (no conversion to JS arrays anywhere).
 */
export interface NativeUsearch {
  add(keys: BigUint64Array, vectors: Float32Array | Int8Array, threads: number): void;
  search(vectors: Float32Array | Int8Array, k: number, threads: number): NativeMatches;
  remove(keys: BigUint64Array): number | number[];
  size(): number;
  capacity(): number;
  dimensions(): number;
  save(path: string): void;
  load(path: string): void;
}

/** One query's matches (`keys`, `distances`), or a batch's (`counts` per query, `k` slots each). */
export interface NativeMatches {
  keys: BigUint64Array;
  distances: Float32Array;
  counts?: BigUint64Array;
  k?: number;
}

export interface UsearchConfig {
  dimensions: number;
  metric: string;
  quantization: string;
  connectivity: number;
  expansion_add: number;
  expansion_search: number;
  multi: boolean;
}

export interface UsearchBinding {
  Index: new (config: UsearchConfig) => NativeUsearch;
  /** usearch's SIMD brute-force scan (no casting: the dataset's type is the stored type). */
  exactSearch?: (
    dataset: Float32Array | Int8Array,
    queries: Float32Array | Int8Array,
    dimensions: number,
    count: number,
    metric: string,
    threads: number,
  ) => NativeMatches;
}

/** The exact version this plugin is built and tested against (package.json pins it). */
export const USEARCH_VERSION = '2.26.2';

let loading: Promise<UsearchBinding> | undefined;

/** Load usearch once, lazily; a failure is not cached (the next call tries again). */
export function loadUsearch(): Promise<UsearchBinding> {
  if (loading !== undefined) return loading;
  const attempt = importUsearch();
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}

/** Import the binding (uncached); a load failure becomes `MISSING_NATIVE_DEPENDENCY` saying what to install. */
export async function importUsearch(importer: () => Promise<unknown> = () => import('usearch')): Promise<UsearchBinding> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (cause) {
    throw missingNative(cause);
  }
  const m = mod as { Index?: unknown; exactSearch?: unknown; default?: { Index?: unknown; exactSearch?: unknown } };
  const ctor = m.Index ?? m.default?.Index;
  if (typeof ctor !== 'function') throw missingNative(new Error('usearch loaded but exports no Index'));
  const exact = m.exactSearch ?? m.default?.exactSearch;
  return {
    Index: ctor as UsearchBinding['Index'],
    ...(typeof exact === 'function' ? { exactSearch: exact as NonNullable<UsearchBinding['exactSearch']> } : {}),
  };
}

function missingNative(cause: unknown): VecdexError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new VecdexError(
    'MISSING_NATIVE_DEPENDENCY',
    `the usearch index plugin needs the native module usearch@${USEARCH_VERSION}, which failed to load (${reason}). ` +
      'Install it next to @vecdex/index-usearch; its npm package ships prebuilt binaries for linux-x64, linux-arm64, ' +
      'darwin and win32-x64 (no build step). On another platform it compiles with node-gyp (python3, make, g++).',
    { cause, details: { dependency: 'usearch', version: USEARCH_VERSION } },
  );
}
