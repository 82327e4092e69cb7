import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Find the ESM entry file of package `name` as seen from any of `fromDirs` (walking up through
 * `node_modules` like Node does). Core resolves plugins from the user's project, not from its
 * own location, so a plugin installed beside the config is found even under pnpm's strict layout.
 * Returns null when the package is not installed there.
 */
export function resolvePackageEntry(name: string, fromDirs: readonly string[]): string | null {
  for (const start of fromDirs) {
    let dir = path.resolve(start);
    for (;;) {
      const pkgDir = path.join(dir, 'node_modules', ...name.split('/'));
      const pkgJson = path.join(pkgDir, 'package.json');
      if (existsSync(pkgJson)) return entryOf(pkgDir, JSON.parse(readFileSync(pkgJson, 'utf8')) as PackageJson);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}

interface PackageJson {
  exports?: unknown;
  module?: string;
  main?: string;
}

function entryOf(pkgDir: string, pkg: PackageJson): string {
  const fromExports = pickExport(pkg.exports);
  const rel = fromExports ?? pkg.module ?? pkg.main ?? 'index.js';
  return path.join(pkgDir, rel);
}

/** The "." export under the conditions import > node > default. */
function pickExport(exp: unknown): string | null {
  if (typeof exp === 'string') return exp;
  if (typeof exp !== 'object' || exp === null) return null;
  const obj = exp as Record<string, unknown>;
  const root = '.' in obj ? obj['.'] : Object.keys(obj).some((k) => k.startsWith('.')) ? undefined : obj;
  return pickCondition(root);
}

function pickCondition(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const hit = pickCondition(t);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (typeof target !== 'object' || target === null) return null;
  const obj = target as Record<string, unknown>;
  for (const cond of ['import', 'node', 'default']) {
    if (cond in obj) {
      const hit = pickCondition(obj[cond]);
      if (hit !== null) return hit;
    }
  }
  return null;
}
