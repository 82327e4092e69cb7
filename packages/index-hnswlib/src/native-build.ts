import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuFeatures } from './cpu-features.js';

/** Where native/build.mjs writes vecdex's own hnswlib build (beside this package's dist). */
export const NATIVE_BUILD_DIR = fileURLToPath(new URL('../native/build/', import.meta.url));

/** What native/build.mjs records beside the addon. */
export interface NativeBuildInfo {
  /** The hnswlib-node version whose hnswlib headers were compiled in (the file format). */
  hnswlibNode: string;
  compiler: string;
  flags: string[];
  /** The build machine's CPU features (-march=native may use any of them). */
  cpuFeatures: string[];
  builtAt: string;
}

export type NativeBuildCheck = { ok: true; file: string; info: NativeBuildInfo } | { ok: false; reason: string };

/**
 * Whether the native build in `dir` can be loaded here: it exists, was compiled from the hnswlib
 * of `hnswlibNodeVersion` (so it reads and writes the same files as hnswlib-node), and this CPU
 * has every feature the build machine had. Never throws; the reason says what to do.
 */
export function checkNativeBuild(hnswlibNodeVersion: string, dir = NATIVE_BUILD_DIR, cpuinfo?: string): NativeBuildCheck {
  const file = path.join(dir, 'hnsw-native.node');
  let info: NativeBuildInfo;
  try {
    info = JSON.parse(fs.readFileSync(path.join(dir, 'build-info.json'), 'utf8')) as NativeBuildInfo;
  } catch {
    return { ok: false, reason: 'not built (run `node native/build.mjs` in @vecdex/index-hnswlib for this CPU)' };
  }
  if (!fs.existsSync(file)) return { ok: false, reason: `${file} is missing (run native/build.mjs again)` };
  if (info.hnswlibNode !== hnswlibNodeVersion) {
    return {
      ok: false,
      reason: `built from hnswlib-node ${info.hnswlibNode}, not ${hnswlibNodeVersion} (run native/build.mjs again)`,
    };
  }
  const here = cpuFeatures(cpuinfo);
  if (here === null) return { ok: false, reason: "this CPU's features cannot be read (/proc/cpuinfo)" };
  const lacking = (Array.isArray(info.cpuFeatures) ? info.cpuFeatures : []).filter((f) => !here.has(f));
  if (!Array.isArray(info.cpuFeatures) || lacking.length > 0) {
    return {
      ok: false,
      reason: `built for another CPU (this one lacks ${lacking.slice(0, 6).join(', ') || 'the recorded features'}; run native/build.mjs here)`,
    };
  }
  return { ok: true, file, info };
}
