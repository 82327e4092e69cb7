import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';

/** A file as a manifest records it. */
export interface FileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

/**
 * A temporary name no other writer uses (`<name>.<pid>-<random>.tmp`): two processes saving the
 * same index at once must not write into one `.tmp` file (the loser's save would then fail or
 * reference a mixed file).
 *
 * ```ts
 * const tmp = path.join(directory, tmpName('index.3.bin'))   // index.3.bin.4242-9f1c2a0b.tmp
 * ```
 */
export function tmpName(name: string): string {
  return `${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Write `data` to `directory/name` atomically: a temporary file, fsynced, renamed over the old
 * one. Readers see the old file or the new one, never a part. Fsync the directory afterwards
 * (`fsyncPath(directory)`) to make the rename itself durable.
 *
 * ```ts
 * const record = await writeFileAtomic(directory, 'labels.3.json', JSON.stringify(labels))
 * ```
 */
export async function writeFileAtomic(directory: string, name: string, data: string | Uint8Array): Promise<FileRecord> {
  const tmp = path.join(directory, tmpName(name));
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path.join(directory, name));
  return { name, bytes: bytes.length, sha256: sha256(bytes) };
}

/** Fsync a file or a directory (after renames in it). */
export async function fsyncPath(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Size and sha256 of a file, streamed (index files can be gigabytes). */
export async function describeFile(file: string, name = path.basename(file)): Promise<FileRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/** A whole file and its record: for files checked and then handed to native code as the very bytes hashed. */
export async function readFileRecord(file: string, name = path.basename(file)): Promise<{ data: Buffer; record: FileRecord }> {
  const data = await readFile(file);
  return { data, record: { name, bytes: data.length, sha256: sha256(data) } };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A `.tmp` file of a live process younger than this may be a save in progress: left alone. */
const TMP_GRACE_MS = 10 * 60 * 1000;

/**
 * Whether a temporary file (named by `tmpName`) is left over from a save that will not finish:
 * its writer (the pid in its name) is gone, or it is older than the grace period. Another live
 * process's file may be a save in progress.
 */
export async function abandonedTemp(file: string): Promise<boolean> {
  const writer = /\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(path.basename(file));
  if (writer === null || !processAlive(Number(writer[1]))) return true;
  const info = await stat(file).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs > TMP_GRACE_MS;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
