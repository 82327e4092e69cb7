import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { IndexEntry } from '@vecdex/core';

/**
 * One file, `flat.bin`: a 4-byte header length, a JSON header (format, shape, keys, sha256 of
 * the vector bytes), then every vector as little-endian float32. Written to `flat.bin.tmp`,
 * fsynced and renamed, so a crash leaves the old file or the new one, never half of one.
 */
export const FILE = 'flat.bin';
const FORMAT = 'vecdex-index-bruteforce/1';

export interface FlatHeader {
  format: typeof FORMAT;
  name: string;
  metric: string;
  dimensions: number;
  keys: [collection: string, id: string][];
  sha256: string;
}

export interface Shape {
  name: string;
  metric: string;
  dimensions: number;
}

export async function writeFlatFile(directory: string, shape: Shape, entries: readonly IndexEntry[]): Promise<string> {
  const vectors = Buffer.alloc(entries.length * shape.dimensions * 4);
  entries.forEach((e, i) => {
    for (let d = 0; d < shape.dimensions; d++) vectors.writeFloatLE(e.vector[d] as number, (i * shape.dimensions + d) * 4);
  });
  const sha256 = createHash('sha256').update(vectors).digest('hex');
  const header: FlatHeader = { format: FORMAT, ...shape, keys: entries.map((e) => [e.collection, e.id]), sha256 };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const tmp = path.join(directory, `${FILE}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(Buffer.concat([length, json, vectors]));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path.join(directory, FILE));
  return sha256;
}

/** The entries of a saved file, or a reason it cannot be used (missing, damaged, another shape). */
export async function readFlatFile(
  directory: string,
  shape: Shape,
  expectedSha256: unknown,
): Promise<{ ok: true; entries: IndexEntry[] } | { ok: false; reason: string }> {
  const data = await readFile(path.join(directory, FILE)).catch(() => null);
  if (data === null) return { ok: false, reason: 'no index file' };
  if (data.length < 4) return { ok: false, reason: 'index file is truncated' };
  const headerBytes = data.readUInt32LE(0);
  if (headerBytes > data.length - 4) return { ok: false, reason: 'index file is truncated' };
  let header: FlatHeader;
  try {
    header = JSON.parse(data.subarray(4, 4 + headerBytes).toString('utf8')) as FlatHeader;
  } catch {
    return { ok: false, reason: 'index file header is not JSON' };
  }
  if (header.format !== FORMAT) return { ok: false, reason: 'not a bruteforce index file' };
  if (header.name !== shape.name || header.metric !== shape.metric || header.dimensions !== shape.dimensions) {
    return { ok: false, reason: 'index file was written for another index, metric or dimensions' };
  }
  const vectors = data.subarray(4 + headerBytes);
  if (!Array.isArray(header.keys) || vectors.length !== header.keys.length * shape.dimensions * 4) {
    return { ok: false, reason: 'index file size does not match its header' };
  }
  const sha256 = createHash('sha256').update(vectors).digest('hex');
  if (sha256 !== header.sha256) return { ok: false, reason: 'index file fails its checksum' };
  if (typeof expectedSha256 === 'string' && expectedSha256 !== sha256) {
    return { ok: false, reason: 'index file is not the one the catalog recorded' };
  }
  const entries = header.keys.map(([collection, id], i): IndexEntry => {
    const vector = new Float32Array(shape.dimensions);
    for (let d = 0; d < shape.dimensions; d++) vector[d] = vectors.readFloatLE((i * shape.dimensions + d) * 4);
    return { collection, id, vector };
  });
  return { ok: true, entries };
}

export async function removeFlatFiles(directory: string): Promise<void> {
  await rm(path.join(directory, FILE), { force: true });
  await rm(path.join(directory, `${FILE}.tmp`), { force: true });
}
