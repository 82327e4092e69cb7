// The installed version of a dependency of the bench package (for the results table).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../../package.json', import.meta.url));

/** Walk up from the package's resolved entry to its package.json; '?' when not found. */
export function packageVersion(name) {
  try {
    // Workspace packages (@vecdex/*) resolve to their dist/ entry; so do most others.
    let dir = path.dirname(resolveEntry(name));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
        if (pkg.name === name) return pkg.version;
      }
      const up = path.dirname(dir);
      if (up === dir) return '?';
      dir = up;
    }
  } catch {
    return '?';
  }
}

/** The entry file of a package: ESM-only ones (import condition) through import.meta.resolve. */
function resolveEntry(name) {
  try {
    return fileURLToPath(import.meta.resolve(name));
  } catch {
    return require.resolve(name);
  }
}

/** Bytes of every file under `dir`. */
export function dirBytes(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}
