import { createRequire } from 'node:module';
import { VecdexError } from '@vecdex/core';
import { checkNativeBuild } from './native-build.js';

/**
 * A vector on its way into a binding: hnswlib-node takes only `number[]` (it refuses typed
 * arrays); vecdex's native build takes a `Float32Array` (one copy instead of a read per component).
 */
export type NativeVector = number[] | Float32Array;

/**
 * The part of `HierarchicalNSW` this plugin calls, in hnswlib-node and in vecdex's native build
 * (native/hnsw-native.cc, the same hnswlib with the same methods). Declared here instead of
 * importing a binding's types, so the plugin's types do not depend on its exact version.
 */
export interface NativeHnsw {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number, allowReplaceDeleted: boolean): void;
  readIndex(filename: string, allowReplaceDeleted: boolean): Promise<boolean>;
  writeIndex(filename: string): Promise<boolean>;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: NativeVector, label: number, replaceDeleted?: boolean): void;
  /**
   * The native build only: insert a batch (`vectors` holds `labels.length` rows) on `threads`
   * threads off the JavaScript thread. Labels must be new; the capacity must already hold them.
   */
  addPoints?(vectors: Float32Array, labels: Uint32Array, threads: number): Promise<boolean>;
  markDelete(label: number): void;
  /**
   * The native build only: the neighbour-repair probability of later updates in place
   * (`updateNeighborProbability`); hnswlib-node's addPoint always uses 1.0.
   */
  setUpdateNeighborProbability?(probability: number): void;
  searchKnn(
    query: NativeVector,
    k: number,
    filter?: (label: number) => boolean,
  ): { distances: ArrayLike<number>; neighbors: ArrayLike<number> };
  getIdsList(): number[];
  getMaxElements(): number;
  getCurrentCount(): number;
  getNumDimensions(): number;
  setEf(ef: number): void;
}

export type HnswSpace = 'l2' | 'ip' | 'cosine';

export interface HnswlibBinding {
  HierarchicalNSW: new (space: HnswSpace, dimensions: number) => NativeHnsw;
  /** Which one: hnswlib-node as its install built it, or vecdex's build for this CPU. */
  name: BindingName;
  /** A reusable vector of `dimensions` components in the form this binding reads fastest. */
  vector(dimensions: number): NativeVector;
  /** Why the native build is not the one in use (null when it is). */
  nativeSkipped: string | null;
}

export type BindingName = 'hnswlib-node' | 'vecdex-native';

/**
 * What `HnswIndex` accepts: a `HierarchicalNSW` class, and optionally the rest of a binding (a
 * caller that wraps the class, as a test does, passes `{ ...binding, HierarchicalNSW: Wrapped }`).
 * Without `vector`, vectors go in as `number[]`, which both bindings read.
 */
export type BindingLike = Pick<HnswlibBinding, 'HierarchicalNSW'> & Partial<HnswlibBinding>;

/** `binding` with the optional parts filled in (a class alone is taken for hnswlib-node's). */
export function completeBinding(binding: BindingLike): HnswlibBinding {
  return {
    HierarchicalNSW: binding.HierarchicalNSW,
    name: binding.name ?? 'hnswlib-node',
    vector: binding.vector ?? arrayVector,
    nativeSkipped: binding.nativeSkipped ?? null,
  };
}

/**
 * `VECDEX_HNSWLIB_BINDING`: `auto` (default: the native build when `checkNativeBuild` accepts
 * it, else hnswlib-node), `hnswlib-node` (never the native build), `native` (the native build or
 * a `MISSING_NATIVE_DEPENDENCY` error saying why not).
 */
export type BindingChoice = 'auto' | 'hnswlib-node' | 'native';

/** The exact version this plugin is built and tested against (package.json pins it). */
export const HNSWLIB_NODE_VERSION = '3.0.0';

let loading: Promise<HnswlibBinding> | undefined;

/**
 * Load the binding once, lazily, so core can list plugins without a native module: vecdex's
 * native build when there is one for this CPU (see `BindingChoice`), else hnswlib-node. A
 * failure is not cached: the next call tries again (after the user installed what was missing).
 */
export function loadHnswlib(): Promise<HnswlibBinding> {
  if (loading !== undefined) return loading;
  const attempt = chooseBinding(bindingChoice(process.env.VECDEX_HNSWLIB_BINDING));
  loading = attempt;
  attempt.catch(() => {
    if (loading === attempt) loading = undefined;
  });
  return attempt;
}

/** The `VECDEX_HNSWLIB_BINDING` value, checked (unset or empty: `auto`). */
export function bindingChoice(value: string | undefined): BindingChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'hnswlib-node' || value === 'native') return value;
  throw new VecdexError(
    'INVALID_ARGUMENT',
    `VECDEX_HNSWLIB_BINDING must be auto, hnswlib-node or native, got ${JSON.stringify(value)}`,
    {
      details: { name: 'VECDEX_HNSWLIB_BINDING', expected: 'auto, hnswlib-node, native' },
    },
  );
}

/** The binding `choice` asks for (uncached). */
export async function chooseBinding(choice: BindingChoice, nativeDir?: string): Promise<HnswlibBinding> {
  if (choice === 'hnswlib-node') return importHnswlib(undefined, 'VECDEX_HNSWLIB_BINDING is hnswlib-node');
  const check = checkNativeBuild(HNSWLIB_NODE_VERSION, nativeDir);
  if (check.ok) {
    try {
      const mod = createRequire(import.meta.url)(check.file) as unknown;
      return { ...toBinding(mod, 'vecdex-native'), nativeSkipped: null };
    } catch (cause) {
      if (choice === 'native') throw nativeUnavailable(`it failed to load (${firstLine(cause)})`, cause);
      return importHnswlib(undefined, `the native build failed to load (${firstLine(cause)})`);
    }
  }
  if (choice === 'native') throw nativeUnavailable(check.reason);
  return importHnswlib(undefined, check.reason);
}

/** Import hnswlib-node (uncached); a load failure becomes `MISSING_NATIVE_DEPENDENCY` saying what to install. */
export async function importHnswlib(
  importer: () => Promise<unknown> = () => import('hnswlib-node'),
  nativeSkipped = 'not asked for',
): Promise<HnswlibBinding> {
  let mod: unknown;
  try {
    mod = await importer();
  } catch (cause) {
    throw missingNative(cause);
  }
  return { ...toBinding(mod, 'hnswlib-node'), nativeSkipped };
}

function toBinding(mod: unknown, name: BindingName): Omit<HnswlibBinding, 'nativeSkipped'> {
  const m = mod as { HierarchicalNSW?: unknown; default?: { HierarchicalNSW?: unknown } };
  const ctor = m.HierarchicalNSW ?? m.default?.HierarchicalNSW;
  if (typeof ctor !== 'function') throw missingNative(new Error(`${name} loaded but exports no HierarchicalNSW`));
  const vector = name === 'vecdex-native' ? (dimensions: number) => new Float32Array(dimensions) : arrayVector;
  return { HierarchicalNSW: ctor as HnswlibBinding['HierarchicalNSW'], name, vector };
}

/** hnswlib-node's form of a reusable vector: a `number[]` of doubles. */
function arrayVector(dimensions: number): number[] {
  return new Array<number>(dimensions).fill(0.5);
}

function firstLine(cause: unknown): string {
  return cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
}

function nativeUnavailable(reason: string, cause?: unknown): VecdexError {
  return new VecdexError(
    'MISSING_NATIVE_DEPENDENCY',
    `VECDEX_HNSWLIB_BINDING is native, but vecdex's native hnswlib build cannot be used: ${reason}. ` +
      'Build it with `node native/build.mjs` in @vecdex/index-hnswlib (needs g++ and Node headers), or unset VECDEX_HNSWLIB_BINDING.',
    { cause, details: { dependency: 'vecdex-native', version: HNSWLIB_NODE_VERSION } },
  );
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
