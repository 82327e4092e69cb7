import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { VecdexError } from '@vecdex/core';
import type { Snapshot } from './store-state.js';

export const FORMAT = 'vecdex-backend-jsonfile';
export const FORMAT_VERSION = 1;

/**
 * Write the whole store as one JSON file: to `<file>.tmp`, fsync, rename over `<file>`, fsync the
 * directory. A crash leaves the previous snapshot or the new one, never a mix, so every write
 * call is atomic on disk as well as in memory.
 */
export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(snapshot));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** The snapshot in `file`, or null when there is none yet. A file that is not ours is STORE_CORRUPT. */
export async function readSnapshot(file: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
  let data: Snapshot;
  try {
    data = JSON.parse(text) as Snapshot;
  } catch (cause) {
    throw corrupt(file, 'it is not valid JSON', cause);
  }
  if (typeof data !== 'object' || data === null || data.format !== FORMAT)
    throw corrupt(file, 'it is not a vecdex-backend-jsonfile store');
  if (data.version !== FORMAT_VERSION) {
    throw new VecdexError(
      'STORE_SCHEMA_TOO_NEW',
      `${file} has format version ${String(data.version)}, this vecdex-backend-jsonfile reads ${FORMAT_VERSION}; upgrade the package`,
      { details: { file } },
    );
  }
  return data;
}

function corrupt(file: string, why: string, cause?: unknown): VecdexError {
  return new VecdexError('STORE_CORRUPT', `cannot open ${file}: ${why}; point "path" at another file or restore a backup`, {
    cause,
    details: { file },
  });
}
