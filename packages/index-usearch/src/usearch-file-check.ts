import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type LabelMap, type NativeFile, SequentialReader, readFileRecord, tmpName } from '@vecdex/core/plugin-kit';
import type { UsearchBinding, UsearchConfig } from './load-usearch.js';

/**
 * What usearch 2.x's `save` writes, checked before `load` sees a file. usearch trusts the file:
 * it allocates what the counts say and follows the entry slot and every neighbour slot without
 * a bound check on search.
 *
 * Layout (little-endian): rows (u32) · bytes per vector (u32) · rows × vector bytes; a 64-byte
 * head (magic "usearch", version, metric / scalar / key / slot kinds, present and deleted
 * counts, dimensions, multi); the graph: size, connectivity, base connectivity, max level,
 * entry slot (5 × u64), a level per node (i16), then per node its key (u64), level (i16) and
 * per level 0..level a neighbour count (u32) and connectivity slots (u32; twice as many on
 * level 0). Removed nodes keep their slot with the key 2^64 − 1.
 */
const HEAD_BYTES = 64;
const GRAPH_HEADER = 40;
const NODE_HEAD = 10;
const FREE_KEY = 0xffff_ffff_ffff_ffffn;
/** Levels above this do not occur (a level is drawn with probability connectivity^-level). */
const MAX_LEVEL = 32;

/** What this index writes, taken from an empty index of the same configuration saved by the same binding. */
export interface UsearchReference {
  /** Magic, version and the four kinds: the head's first 17 bytes. */
  signature: Buffer;
  vectorBytes: number;
  connectivity: bigint;
  connectivityBase: bigint;
}

const references = new Map<string, Promise<UsearchReference>>();

export function referenceFor(binding: UsearchBinding, config: UsearchConfig): Promise<UsearchReference> {
  const key = JSON.stringify(config);
  let ref = references.get(key);
  if (ref === undefined) {
    ref = makeReference(binding, config);
    references.set(key, ref);
    ref.catch(() => references.delete(key));
  }
  return ref;
}

async function makeReference(binding: UsearchBinding, config: UsearchConfig): Promise<UsearchReference> {
  const file = path.join(os.tmpdir(), tmpName('vecdex-usearch-reference'));
  try {
    new binding.Index(config).save(file);
    const { data } = await readFileRecord(file);
    const head = 8;
    return {
      signature: Buffer.from(data.subarray(head, head + 17)),
      vectorBytes: data.readUInt32LE(4),
      connectivity: data.readBigUInt64LE(head + HEAD_BYTES + 8),
      connectivityBase: data.readBigUInt64LE(head + HEAD_BYTES + 16),
    };
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * Why the file is not what this index would write, or null. `deep` walks every node (keys
 * against the label map, levels, neighbour counts and slots); otherwise the head and sizes only.
 */
export async function checkUsearchFile(
  file: NativeFile,
  ref: UsearchReference,
  expected: { dimensions: number; labels: LabelMap; deep: boolean },
): Promise<string | null> {
  const { labels } = expected;
  const first = await file.read(0, 8);
  if (first.length < 8) return 'file is shorter than its matrix header';
  const rows = first.readUInt32LE(0);
  const cols = first.readUInt32LE(4);
  if (cols !== ref.vectorBytes) return `${cols} bytes per vector, expected ${ref.vectorBytes}`;
  const headAt = 8 + rows * cols;
  const graphAt = headAt + HEAD_BYTES;
  if (file.bytes < graphAt + GRAPH_HEADER + rows * 2) return `file is ${file.bytes} bytes, too short for ${rows} vectors`;
  const head = await file.read(headAt, HEAD_BYTES + GRAPH_HEADER);
  if (!head.subarray(0, 17).equals(ref.signature)) return 'head (magic, version, metric or scalar kinds) differs';
  const present = head.readBigUInt64LE(17);
  const deleted = head.readBigUInt64LE(25);
  if (present !== BigInt(labels.live)) return `${present} entries present, the label map has ${labels.live}`;
  if (present + deleted !== BigInt(rows)) return `${present} present + ${deleted} removed is not ${rows} vectors`;
  if (head.readBigUInt64LE(33) !== BigInt(expected.dimensions))
    return `dimensions ${head.readBigUInt64LE(33)}, expected ${expected.dimensions}`;
  if (head[41] !== 0) return 'a multi-key index';
  const g = HEAD_BYTES;
  const size = head.readBigUInt64LE(g);
  const connectivity = head.readBigUInt64LE(g + 8);
  const base = head.readBigUInt64LE(g + 16);
  const maxLevel = head.readBigUInt64LE(g + 24);
  const entry = head.readBigUInt64LE(g + 32);
  if (size !== BigInt(rows)) return `graph of ${size} nodes for ${rows} vectors`;
  if (connectivity !== ref.connectivity || base !== ref.connectivityBase)
    return `connectivity ${connectivity}/${base}, expected ${ref.connectivity}/${ref.connectivityBase}`;
  if (rows > 0 && (maxLevel > BigInt(MAX_LEVEL) || entry >= size)) return `bad entry slot ${entry} / max level ${maxLevel}`;
  if (!expected.deep || rows === 0) return null;
  const m = Number(connectivity);
  const m0 = Number(base);
  const reader = new SequentialReader(file, graphAt + GRAPH_HEADER);
  const levels = await reader.bytes(rows * 2);
  if (levels === null) return 'file ends inside the node levels';
  const levelOf = Int16Array.from({ length: rows }, (_, i) => levels.readInt16LE(2 * i));
  let highest = -1;
  for (let i = 0; i < rows; i++) {
    const level = levelOf[i] as number;
    if (level < 0 || level > Number(maxLevel)) return `node ${i} is on level ${level}, the max level is ${maxLevel}`;
    highest = Math.max(highest, level);
  }
  if (BigInt(highest) !== maxLevel) return `max level is ${maxLevel}, the highest node is on ${highest}`;
  if (levelOf[Number(entry)] !== Number(maxLevel)) return `entry slot ${entry} is not on the max level ${maxLevel}`;
  const seen = new Uint8Array(labels.slots);
  let free = 0;
  for (let i = 0; i < rows; i++) {
    const level = levelOf[i] as number;
    const bytes = NODE_HEAD + (4 + 4 * m0) + level * (4 + 4 * m);
    const node = await reader.bytes(bytes);
    if (node === null) return 'file ends inside the nodes';
    const key = node.readBigUInt64LE(0);
    if (key === FREE_KEY) free++;
    else {
      const label = Number(key);
      if (key >= BigInt(labels.slots) || labels.keyOf(label) === null || seen[label] === 1)
        return `node ${i} has key ${key}, not a live label of its own`;
      seen[label] = 1;
    }
    if (node.readInt16LE(8) !== level) return `node ${i} is on level ${node.readInt16LE(8)}, the level list says ${level}`;
    let at = NODE_HEAD;
    for (let lv = 0; lv <= level; lv++) {
      const cap = lv === 0 ? m0 : m;
      const count = node.readUInt32LE(at);
      if (count > cap) return `node ${i} has ${count} neighbours on level ${lv}, at most ${cap}`;
      for (let n = 0; n < count; n++) {
        const to = node.readUInt32LE(at + 4 + 4 * n);
        if (to >= rows) return `node ${i} links to slot ${to} of ${rows}`;
      }
      at += 4 + 4 * cap;
    }
  }
  if (BigInt(free) !== deleted) return `${free} removed nodes, the head says ${deleted}`;
  if (reader.position !== file.bytes) return `file has ${file.bytes - reader.position} bytes after the last node`;
  return null;
}
