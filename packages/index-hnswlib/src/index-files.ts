import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '@vecdex/core';
import { HEADER_BYTES, checkHeader, type ExpectedHeader } from './hnsw-file-header.js';
import { LabelMap } from './label-map.js';

/**
 * On-disk layout of one saved index, in the directory core gives the plugin:
 *
 * - `index.<gen>.hnsw`: hnswlib's own file (`writeIndex`);
 * - `labels.<gen>.json`: the label map (`LabelMapJson`);
 * - `manifest.json`: format version, generation, the shape and params the files were built
 *   with, counts, and the byte size and sha256 of both files.
 *
 * Each file is written as `<name>.tmp`, fsynced and renamed; the manifest goes last, then the
 * directory is fsynced and older generations are removed. A crash at any point leaves either
 * the previous generation or the new one complete and referenced by the manifest.
 */
export const FORMAT = 'vecdex-hnswlib';
export const FORMAT_VERSION = 1;
export const MANIFEST = 'manifest.json';
const MAX_MANIFEST_BYTES = 1 << 20;
const OWNED_FILE = /^(index\.\d+\.hnsw|labels\.\d+\.json|manifest\.json)(\.[\w-]+\.tmp|\.tmp)?$/;

export interface FileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  generation: number;
  /** The definition the files belong to (an index recreated under the same name does not match). */
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  params: { [key: string]: JsonValue };
  items: number;
  deleted: number;
  capacity: number;
  hnswlibNode: string;
  /**
   * The change-feed cursor these files reflect (`save({ cursor })`). Absent in files saved
   * before it was recorded. Two processes may save one index in either order, so this, not the
   * catalog's cursor, says where a sync of these files must continue.
   */
  cursor?: string | null;
  files: { index: FileRecord; labels: FileRecord };
  savedAt: number;
}

/** What a loaded generation must match: shape, definition and the params that shape the graph. */
export interface Expectation extends Omit<ExpectedHeader, 'count'> {
  definition: { name: string; createdAt: number };
  metric: string;
  structural: { [key: string]: JsonValue };
}

/** The next generation number: one past anything in the directory, so names never collide. */
export async function nextGeneration(directory: string): Promise<number> {
  let max = 0;
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    const m = /^(?:index|labels)\.(\d+)\./.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

/**
 * Save a generation. `writeNative` must write the hnswlib file to the path it is given.
 * Returns the manifest that now describes the directory.
 */
export async function saveFiles(
  directory: string,
  generation: number,
  writeNative: (file: string) => Promise<void>,
  labels: LabelMap,
  manifest: Omit<Manifest, 'files' | 'format' | 'formatVersion' | 'generation' | 'savedAt'>,
  expect: ExpectedHeader,
): Promise<Manifest> {
  const indexName = `index.${generation}.hnsw`;
  const labelsName = `labels.${generation}.json`;
  const indexTmp = path.join(directory, tmpName(indexName));
  await writeNative(indexTmp);
  await fsyncFile(indexTmp);
  const index = await describeFile(indexTmp, indexName);
  // hnswlib's saveIndex does not check its writes: a short file (disk full) shows up here.
  const problem = checkHeader(await readHeader(indexTmp), index.bytes, expect);
  if (problem !== null) {
    await rm(indexTmp, { force: true });
    throw new Error(`hnswlib wrote an unexpected index file (${problem})`);
  }
  await rename(indexTmp, path.join(directory, indexName));
  const labelsFile = await writeAtomic(directory, labelsName, JSON.stringify(labels.toJSON()));
  const full: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    generation,
    ...manifest,
    files: { index, labels: labelsFile },
    savedAt: Date.now(),
  };
  await writeAtomic(directory, MANIFEST, `${JSON.stringify(full, null, 2)}\n`);
  await fsyncFile(directory);
  await removeOtherGenerations(directory, generation);
  return full;
}

/**
 * Read and verify the current generation without touching native code: manifest shape and
 * expectations, then size and sha256 of both files, then the hnswlib header. Returns the
 * manifest, the parsed label map and the index file's path, or a reason why not.
 */
export async function verifyFiles(
  directory: string,
  expect: Expectation,
): Promise<{ ok: true; manifest: Manifest; labels: LabelMap; indexFile: string } | { ok: false; reason: string }> {
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
  const indexFile = path.join(directory, manifest.files.index.name);
  for (const record of [manifest.files.index, manifest.files.labels]) {
    const actual = await describeFile(path.join(directory, record.name), record.name).catch(() => null);
    if (actual === null) return { ok: false, reason: `${record.name} is missing` };
    if (actual.bytes !== record.bytes)
      return { ok: false, reason: `${record.name} is ${actual.bytes} bytes, manifest says ${record.bytes}` };
    if (actual.sha256 !== record.sha256) return { ok: false, reason: `${record.name} fails its checksum` };
  }
  let labels: LabelMap;
  try {
    labels = LabelMap.fromJSON(JSON.parse(await readFile(path.join(directory, manifest.files.labels.name), 'utf8')));
  } catch (e) {
    return { ok: false, reason: `label map: ${(e as Error).message}` };
  }
  if (labels.live !== manifest.items || labels.free !== manifest.deleted)
    return { ok: false, reason: 'label map counts differ from the manifest' };
  const header = checkHeader(await readHeader(indexFile), manifest.files.index.bytes, { ...expect, count: labels.slots });
  if (header !== null) return { ok: false, reason: `index header: ${header}` };
  return { ok: true, manifest, labels, indexFile };
}

/** Remove every file this plugin owns in the directory (and nothing else). */
export async function removeFiles(directory: string): Promise<void> {
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    if (OWNED_FILE.test(name)) await rm(path.join(directory, name), { force: true });
  }
}

function checkManifest(m: Manifest, expect: Expectation): string | null {
  if (typeof m !== 'object' || m === null || m.format !== FORMAT) return 'not a vecdex-hnswlib manifest';
  if (m.formatVersion !== FORMAT_VERSION) return `format version ${String(m.formatVersion)} is not ${FORMAT_VERSION}`;
  if (!Number.isSafeInteger(m.generation) || !Number.isSafeInteger(m.items) || !Number.isSafeInteger(m.deleted))
    return 'bad counts';
  if (m.definition?.name !== expect.definition.name || m.definition?.createdAt !== expect.definition.createdAt) {
    return 'files belong to another index definition';
  }
  if (m.cursor !== undefined && m.cursor !== null && typeof m.cursor !== 'string') return 'bad cursor';
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

/**
 * A temporary name no other writer uses: two processes saving the same index at once must not
 * write into one `.tmp` file (the loser's save would then fail or reference a mixed file).
 */
function tmpName(name: string): string {
  return `${name}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

async function writeAtomic(directory: string, name: string, text: string): Promise<FileRecord> {
  const tmp = path.join(directory, tmpName(name));
  const data = Buffer.from(text, 'utf8');
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path.join(directory, name));
  return { name, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Size and sha256 of a file, streamed (index files can be gigabytes). */
async function describeFile(file: string, name: string): Promise<FileRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

async function readHeader(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEADER_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A `.tmp` file of a live process younger than this may be a save in progress: left alone. */
const TMP_GRACE_MS = 10 * 60 * 1000;

async function removeOtherGenerations(directory: string, keep: number): Promise<void> {
  for (const name of await readdir(directory)) {
    const m = /^(?:index|labels|manifest)\.(\d+)?/.exec(name);
    if (m === null) continue;
    const file = path.join(directory, name);
    if (name.endsWith('.tmp')) {
      if (await abandoned(file, name)) await rm(file, { force: true });
    } else if (m[1] !== undefined && Number(m[1]) !== keep) {
      await rm(file, { force: true });
    }
  }
}

/**
 * Whether a temporary file is left over from a save that will not finish: its writer (the pid
 * in its name) is gone, or it is older than the grace period. Another live process's file may
 * be a save in progress.
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
