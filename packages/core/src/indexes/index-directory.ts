import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { VecdexError } from '../errors/vecdex-error.js';

/**
 * Make an index's directory. When a plain file stands where the directory goes, it is moved
 * aside (never deleted: `<name>.not-a-directory-<time>`) so the index can be rebuilt from the
 * store; the new name is returned. A file higher up (the data directory, or `indexes`, being a
 * file) is a typed error saying what to do.
 */
export async function ensureIndexDirectory(directory: string, dataDir: string): Promise<{ movedAside: string | null }> {
  let movedAside: string | null = null;
  if ((await kindOf(directory)) === 'file') {
    movedAside = `${directory}.not-a-directory-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(directory, movedAside);
  }
  try {
    await mkdir(directory, { recursive: true });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    let blocker = path.dirname(directory);
    for (let p = path.dirname(directory); p.length >= dataDir.length && p !== path.dirname(p); p = path.dirname(p)) {
      if ((await kindOf(p)) === 'file') {
        blocker = p;
        break;
      }
    }
    throw new VecdexError(
      'CONFIG_INVALID',
      `${blocker} is a file, but vecdex keeps index files in a directory there; move or remove that file (or set "dataDir" in your vecdex config), then re-run: the index is rebuilt from the store`,
      { cause: err, details: { key: 'dataDir', path: blocker } },
    );
  }
  return { movedAside };
}

async function kindOf(p: string): Promise<'file' | 'directory' | null> {
  try {
    return (await stat(p)).isDirectory() ? 'directory' : 'file';
  } catch {
    return null;
  }
}
