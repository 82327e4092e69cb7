import { VecdexError } from '@vecdex/core';

/**
 * The part of faiss-node's `Index` this plugin calls. Declared here instead of importing the
 * binding's types, so the plugin's types do not depend on its exact version. Vectors are plain
 * `number[]` (n × d, row-major): the binding refuses typed arrays.
 *
 * faiss-node has no `add_with_ids`: `add` gives the new vectors the ids `ntotal … ntotal+n−1`,
 * and `removeIds` on a flat index renumbers the entries after each removed one.
 */
export interface NativeIndex {
  ntotal(): number;
  getDimension(): number;
  isTrained(): boolean;
  add(x: number[]): void;
  train(x: number[]): void;
  search(x: number[], k: number): { distances: number[]; labels: number[] };
  write(fname: string): void;
  removeIds(ids: number[]): number;
  toBuffer(): Buffer;
}

export interface FaissBinding {
  Index: {
    fromFactory(dims: number, descriptor: string, metric?: number): NativeIndex;
    fromBuffer(src: Buffer): NativeIndex;
    read(fname: string): NativeIndex;
  };
  MetricType: { METRIC_INNER_PRODUCT: number; METRIC_L2: number };
}

/** The exact version this plugin is built and tested against (package.json pins it). */
export const FAISS_NODE_VERSION = '0.5.1';

let loading: Promise<FaissBinding> | undefined;

/**
 * Load faiss-node once, lazily (core can list plugins without the native module). A failure is
 * not cached: the next call tries again, after the user installed what was missing.
 */
export function loadFaiss(): Promise<FaissBinding> {
  if (loading !== undefined) return loading;
  const attempt = importFaiss();
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}

/** Import the binding (uncached); a load failure becomes `MISSING_NATIVE_DEPENDENCY` saying what to run. */
export async function importFaiss(importer: () => Promise<unknown> = () => import('faiss-node')): Promise<FaissBinding> {
  // FAISS parallelises with OpenMP, whose idle threads spin by default. On a machine with more
  // busy processes than cores a spinning thread holds a core its peers wait for: PQ training of
  // 5,000 32-d vectors took 32 s instead of 1.5 s here. libgomp reads this when it is loaded,
  // i.e. by the import below; a value the user set is kept.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  let mod: unknown;
  try {
    mod = await importer();
  } catch (cause) {
    throw missingFaiss(cause);
  }
  const m = mod as Partial<FaissBinding> & { default?: Partial<FaissBinding> };
  const b = (typeof m.Index === 'function' ? m : m.default) as Partial<FaissBinding> | undefined;
  if (typeof b?.Index?.fromFactory !== 'function' || typeof b.MetricType?.METRIC_L2 !== 'number') {
    throw missingFaiss(new Error('faiss-node loaded but exports no Index.fromFactory / MetricType'));
  }
  return b as FaissBinding;
}

export function missingFaiss(cause: unknown): VecdexError {
  const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? cause.message) : String(cause);
  return new VecdexError(
    'MISSING_NATIVE_DEPENDENCY',
    `the faiss index plugin needs the native module faiss-node@${FAISS_NODE_VERSION}, which failed to load (${reason}). ` +
      'Its install script downloads a prebuilt binary from GitHub; where that is not possible, build it against the ' +
      "system's FAISS: in the vecdex repository run `bash scripts/setup-faiss.sh` (Debian/Ubuntu: it installs " +
      'libfaiss-dev and libopenblas-dev with apt and compiles faiss-node with g++).',
    { cause, details: { dependency: 'faiss-node', version: FAISS_NODE_VERSION } },
  );
}
