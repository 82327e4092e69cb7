import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '@vecdex/core';
import { LabelMap } from './label-map.js';

/**
 * On-disk layout of one saved index, in the directory core gives the plugin:
 *
 * - `index.<gen>.faiss`: FAISS's own file (`write_index`);
 * - `labels.<gen>.json`: the label map (`LabelMapJson`);
 * - `manifest.json`: format version, generation, the shape and params the files were built
 *   with, the factory actually built, counts, and the byte size and sha256 of both files.
 *
 * Each file is written as `<name>.tmp`, fsynced and renamed; the manifest goes last, then the
 * directory is fsynced and older generations are removed. A crash at any point leaves either
 * the previous generation or the new one complete and referenced by the manifest.
 */
export const FORMAT = 'vecdex-faiss';
export const FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';
const MAX_MANIFEST_BYTES = 1 << 20;
const OWNED_FILE = /^(index\.\d+\.faiss|labels\.\d+\.json|manifest\.json)(\.[\w-]+\.tmp|\.tmp)?$/;
const GENERATION_FILE = /^(?:index|labels)\.(\d+)\./;

export interface FileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  generation: number;
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  params: { [key: string]: JsonValue };
  /** The factory string the saved index was built with, and its fourcc (first 4 bytes of the file). */
  factory: string;
  wanted: string;
  fourcc: string;
  /** Live vectors when the index was trained (0 when it needs no training). */
  trainedCount: number;
  items: number;
  deleted: number;
  faissNode: string;
  /**
   * The change-feed cursor these files reflect (`save({ cursor })`). Absent in files saved
   * before it was recorded. Two processes may save one index in either order, so this, not the
   * catalog's cursor, says where a sync of these files must continue.
   */
  cursor?: string | null;
  files: { index: FileRecord; labels: FileRecord };
  savedAt: number;
}

export interface Expectation {
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  structural: { [key: string]: JsonValue };
}

export type Verified = { ok: true; manifest: Manifest; labels: LabelMap; index: Buffer } | { ok: false; reason: string };

export async function nextGeneration(directory: string): Promise<number> {
  let max = 0;
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    const m = GENERATION_FILE.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

/** Save a generation; `writeNative` writes the FAISS file to the path it is given. */
export async function saveFiles(
  directory: string,
  generation: number,
  writeNative: (file: string) => void,
  labels: LabelMap,
  manifest: Omit<Manifest, 'files' | 'format' | 'formatVersion' | 'generation' | 'savedAt' | 'fourcc'>,
): Promise<Manifest> {
  const indexName = `index.${generation}.faiss`;
  const indexTmp = path.join(directory, tmpName(indexName));
  writeNative(indexTmp);
  await fsyncFile(indexTmp);
  const data = await readFile(indexTmp);
  // FAISS throws on a failed write; a short file (disk full) still shows up here.
  const problem = checkHeader(data, manifest.dimensions, labels.slots, null);
  if (problem !== null) {
    await rm(indexTmp, { force: true });
    throw new Error(`FAISS wrote an unexpected index file (${problem})`);
  }
  const index: FileRecord = { name: indexName, bytes: data.length, sha256: sha256(data) };
  await rename(indexTmp, path.join(directory, indexName));
  const labelsFile = await writeAtomic(directory, `labels.${generation}.json`, JSON.stringify(labels.toJSON()));
  const full: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    generation,
    ...manifest,
    fourcc: data.subarray(0, 4).toString('latin1'),
    files: { index, labels: labelsFile },
    savedAt: Date.now(),
  };
  await writeAtomic(directory, MANIFEST, `${JSON.stringify(full, null, 2)}\n`);
  await fsyncFile(directory);
  for (const name of await readdir(directory)) {
    const m = GENERATION_FILE.exec(name);
    if (m === null && !name.startsWith(`${MANIFEST}.`)) continue;
    const file = path.join(directory, name);
    // Another process may be saving this index right now: its temporary files are left alone.
    if (name.endsWith('.tmp')) {
      if (await abandoned(file, name)) await rm(file, { force: true });
    } else if (m !== null && Number(m[1]) !== generation) {
      await rm(file, { force: true });
    }
  }
  return full;
}

/**
 * Read and verify the current generation without handing anything to native code: manifest
 * shape and expectations, size and sha256 of both files, the label map, then the FAISS header
 * (fourcc, dimensions, entry count). The index file is returned as the very bytes that were
 * hashed, so nothing can change between the check and FAISS reading it.
 */
export async function verifyFiles(directory: string, expect: Expectation): Promise<Verified> {
  const manifestPath = path.join(directory, MANIFEST);
  const info = await stat(manifestPath).catch(() => null);
  if (info === null || !info.isFile()) return { ok: false, reason: 'no manifest' };
  if (info.size > MAX_MANIFEST_BYTES) return { ok: false, reason: 'manifest is implausibly large' };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch {
    return { ok: false, reason: 'manifest is not valid JSON' };
  }
  const mismatch = checkManifest(manifest, expect);
  if (mismatch !== null) return { ok: false, reason: mismatch };
  const files: Buffer[] = [];
  for (const record of [manifest.files.index, manifest.files.labels]) {
    const data = await readFile(path.join(directory, record.name)).catch(() => null);
    if (data === null) return { ok: false, reason: `${record.name} is missing` };
    if (data.length !== record.bytes)
      return { ok: false, reason: `${record.name} is ${data.length} bytes, manifest says ${record.bytes}` };
    if (sha256(data) !== record.sha256) return { ok: false, reason: `${record.name} fails its checksum` };
    files.push(data);
  }
  const [index, labelsData] = files as [Buffer, Buffer];
  let labels: LabelMap;
  try {
    labels = LabelMap.fromJSON(JSON.parse(labelsData.toString('utf8')));
  } catch (e) {
    return { ok: false, reason: `label map: ${(e as Error).message}` };
  }
  if (labels.live !== manifest.items || labels.tombstones !== manifest.deleted)
    return { ok: false, reason: 'label map counts differ from the manifest' };
  const header = checkHeader(index, expect.dimensions, labels.slots, manifest.fourcc);
  if (header !== null) return { ok: false, reason: `index header: ${header}` };
  return { ok: true, manifest, labels, index };
}

/** Remove every file this plugin owns in the directory (and nothing else). */
export async function removeFiles(directory: string): Promise<void> {
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (OWNED_FILE.test(name)) await rm(path.join(directory, name), { force: true });
  }
}

/** FAISS's index header: fourcc, then d (i32) and ntotal (i64). */
function checkHeader(data: Buffer, dimensions: number, count: number, fourcc: string | null): string | null {
  if (data.length < 33) return `${data.length} bytes is shorter than a FAISS header`;
  const got = data.subarray(0, 4).toString('latin1');
  if (fourcc !== null && got !== fourcc) return `type ${JSON.stringify(got)} is not ${JSON.stringify(fourcc)}`;
  if (data.readInt32LE(4) !== dimensions) return `dimensions ${data.readInt32LE(4)}, expected ${dimensions}`;
  if (data.readBigInt64LE(8) !== BigInt(count)) return `${data.readBigInt64LE(8)} vectors, the label map has ${count}`;
  return null;
}

function checkManifest(m: Manifest, expect: Expectation): string | null {
  if (typeof m !== 'object' || m === null || m.format !== FORMAT) return 'not a vecdex-faiss manifest';
  if (m.formatVersion !== FORMAT_VERSION) return `format version ${String(m.formatVersion)} is not ${FORMAT_VERSION}`;
  if (![m.generation, m.items, m.deleted, m.trainedCount].every(Number.isSafeInteger)) return 'bad counts';
  if (typeof m.factory !== 'string' || typeof m.wanted !== 'string' || typeof m.fourcc !== 'string') return 'bad factory record';
  if (m.cursor !== undefined && m.cursor !== null && typeof m.cursor !== 'string') return 'bad cursor';
  if (m.definition?.name !== expect.definition.name || m.definition?.createdAt !== expect.definition.createdAt)
    return 'files belong to another index definition';
  if (m.metric !== expect.metric || m.dimensions !== expect.dimensions)
    return 'files were built for another metric or dimensions';
  for (const [name, want] of Object.entries(expect.structural)) {
    if (m.params?.[name] !== want)
      return `files were built with ${name}=${String(m.params?.[name])}, the definition says ${String(want)}`;
  }
  for (const record of [m.files?.index, m.files?.labels]) {
    const okName = typeof record?.name === 'string' && OWNED_FILE.test(record.name) && !record.name.endsWith('.tmp');
    if (!okName || !Number.isSafeInteger(record.bytes) || typeof record.sha256 !== 'string') return 'bad file record';
  }
  return null;
}

export async function writeAtomic(directory: string, name: string, data: string | Buffer): Promise<FileRecord> {
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

export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A temporary name no other writer uses: two processes saving the same index at once must not
 * write into one `.tmp` file (the loser's save would then fail or reference a mixed file).
 */
function tmpName(name: string): string {
  return `${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** A `.tmp` file of a live process younger than this may be a save in progress: left alone. */
const TMP_GRACE_MS = 10 * 60 * 1000;

/**
 * Whether a temporary file is left over from a save that will not finish: its writer (the pid
 * in its name) is gone, or it is older than the grace period.
 */
async function abandoned(file: string, name: string): Promise<boolean> {
  const writer = /\.(\d+)-[0-9a-f]{8}\.tmp$/.exec(name);
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
