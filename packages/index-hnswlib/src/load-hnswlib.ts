import { VecdexError } from '@vecdex/core';

/**
 * The part of hnswlib-node's `HierarchicalNSW` this plugin calls. Declared here instead of
 * importing the binding's types, so the plugin's types do not depend on its exact version.
 * Vectors are plain `number[]`: the binding refuses typed arrays.
 */
export interface NativeHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number, allowReplaceDeleted: boolean): void;
  readIndex(filename: string, allowReplaceDeleted: boolean): Promise<boolean>;
  writeIndex(filename: string): Promise<boolean>;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: number[], label: number, replaceDeleted?: boolean): void;
  markDelete(label: number): void;
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): { distances: number[]; neighbors: number[] };
  getIdsList(): number[];
  getMaxElements(): number;
  getCurrentCount(): number;
  getNumDimensions(): number;
  setEf(ef: number): void;
}

export type HnswSpace = 'l2' | 'ip' | 'cosine';

export interface HnswlibBinding {
  HierarchicalNSW: new (space: HnswSpace, dimensions: number) => NativeHnsw;
}

/** The exact version this plugin is built and tested against (package.json pins it). */
export const HNSWLIB_NODE_VERSION = '3.0.0';

let loading: Promise<HnswlibBinding> | undefined;

/**
 * Load hnswlib-node once, lazily, so core can list plugins without the native module. A failure
 * is not cached: the next call tries again (after the user installed what was missing).
 */
export function loadHnswlib(): Promise<HnswlibBinding> {
  if (loading !== undefined) return loading;
  const attempt = importHnswlib();
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}

/** Import the binding (uncached); a load failure becomes `MISSING_NATIVE_DEPENDENCY` saying what to install. */
export async function importHnswlib(importer: () => Promise<unknown> = () => import('hnswlib-node')): Promise<HnswlibBinding> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (cause) {
    throw missingNative(cause);
  }
  return toBinding(mod);
}

function toBinding(mod: unknown): HnswlibBinding {
  const m = mod as { HierarchicalNSW?: unknown; default?: { HierarchicalNSW?: unknown } };
  const ctor = m.HierarchicalNSW ?? m.default?.HierarchicalNSW;
  if (typeof ctor !== 'function') throw missingNative(new Error('hnswlib-node loaded but exports no HierarchicalNSW'));
  return { HierarchicalNSW: ctor as HnswlibBinding['HierarchicalNSW'] };
}

function missingNative(cause: unknown): VecdexError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new VecdexError(
    'MISSING_NATIVE_DEPENDENCY',
    `the hnswlib index plugin needs the native module hnswlib-node@${HNSWLIB_NODE_VERSION}, which failed to load (${reason}). ` +
      'Install it next to @vecdex/index-hnswlib; it compiles from source, so install build tools first ' +
      '(Debian/Ubuntu: apt-get install python3 make g++). With pnpm, allow its build script: ' +
      'run `pnpm approve-builds` or add "hnswlib-node" to onlyBuiltDependencies in pnpm-workspace.yaml, then reinstall.',
    { cause, details: { dependency: 'hnswlib-node', version: HNSWLIB_NODE_VERSION } },
  );
}
