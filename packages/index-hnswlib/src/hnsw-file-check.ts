import { type LabelMap, type NativeFile, SequentialReader } from '@vecdex/core/plugin-kit';

/**
 * What hnswlib 0.8's `saveIndex` writes, checked field by field before `readIndex` sees a file
 * (all little-endian): native `loadIndex` trusts every field. It sizes its buffers from the
 * header (a capacity of 2^24 in a 1 MB file allocates ~800 MB), takes the entry point and max
 * level as given (a wrong one reads another node's link list: SIGSEGV or SIGABRT on the first
 * search), and follows every neighbour id in the link lists without a bound check.
 *
 * Layout: a 96-byte header; then per element, in slot order, the level-0 block (link count u16,
 * deleted flag in byte 2, 2·M neighbour ids u32, the vector as float32, the label u64); then
 * per element a u32 byte count and that many bytes of upper-level link lists (per level: count
 * u16, M neighbour ids u32).
 */
export const HEADER_BYTES = 96;

export interface ExpectedFile {
  dimensions: number;
  M: number;
  efConstruction: number;
  /** Elements (live + tombstoned): the label map's slot count. */
  count: number;
  /** The most capacity this index would have written: max(initialCapacity, 2 · count). */
  maxCapacity: number;
}

/** Levels above this do not occur (a level is drawn with probability M^-level). */
const MAX_LEVEL = 32;
const EMPTY_ENTRY = 0xffffffff;
const CHUNK_BYTES = 8 << 20;

/**
 * Why the file is not what this index would write, or null. `deep` also walks every link list
 * and label (reads the whole file, as `load` must); without it only the header and the file
 * size are checked (enough for `save` to catch a short write). With `labels`, tombstone flags
 * must match the free labels.
 */
export async function checkHnswFile(
  file: NativeFile,
  expected: ExpectedFile,
  options: { deep: boolean; labels?: LabelMap },
): Promise<string | null> {
  const header = await file.read(0, HEADER_BYTES);
  const shape = checkHeader(header, expected);
  if (typeof shape === 'string') return shape;
  const { count, perElement, maxLevel, entryPoint, labelOffset } = shape;
  const level0End = HEADER_BYTES + count * perElement;
  // The level-0 block, then at least a 4-byte link-list size per element.
  if (file.bytes < level0End + count * 4) return `file is ${file.bytes} bytes, at least ${level0End + count * 4} expected`;
  if (!options.deep) return null;
  const maxM0 = 2 * expected.M;
  // Level 0: link counts, neighbour ids, tombstone flags, labels.
  const seen = new Uint8Array(count);
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / perElement));
  for (let first = 0; first < count; first += perChunk) {
    const n = Math.min(perChunk, count - first);
    const block = await file.read(HEADER_BYTES + first * perElement, n * perElement);
    if (block.length < n * perElement) return 'file ends inside the level-0 block';
    for (let j = 0; j < n; j++) {
      const i = first + j;
      const at = j * perElement;
      const links = block.readUInt16LE(at);
      if (links > maxM0) return `element ${i} has ${links} level-0 links, at most ${maxM0} possible`;
      for (let l = 0; l < links; l++) {
        const to = block.readUInt32LE(at + 4 + 4 * l);
        if (to >= count) return `element ${i} links to element ${to} of ${count}`;
      }
      // Labels are slots 0..count-1, each on one element; a build on several threads stores
      // them in the order the threads finished, not in label order.
      const big = block.readBigUInt64LE(at + labelOffset);
      if (big >= BigInt(count)) return `element ${i} has label ${big}, beyond the ${count} slots`;
      const label = Number(big);
      if (seen[label] === 1) return `label ${label} is on two elements`;
      seen[label] = 1;
      const deleted = ((block[at + 2] as number) & 1) === 1;
      if (options.labels !== undefined && deleted !== (options.labels.keyOf(label) === null))
        return `element ${i} (label ${label}) is ${deleted ? '' : 'not '}a tombstone, the label map says otherwise`;
    }
  }
  // Upper levels: sizes that are whole levels, none above the max level, the entry point on it.
  const sizeLinks = expected.M * 4 + 4;
  const reader = new SequentialReader(file, level0End);
  let highest = -1;
  for (let i = 0; i < count; i++) {
    const size = await reader.u32();
    if (size === null) return 'file ends inside the upper-level link lists';
    if (size % sizeLinks !== 0) return `element ${i} has ${size} bytes of upper links, not a multiple of ${sizeLinks}`;
    const level = size / sizeLinks;
    if (level > maxLevel) return `element ${i} is on level ${level}, above the max level ${maxLevel}`;
    highest = Math.max(highest, level);
    if (i === entryPoint && level !== maxLevel) return `entry point ${i} is on level ${level}, not the max level ${maxLevel}`;
    const lists = await reader.bytes(size);
    if (lists === null) return 'file ends inside the upper-level link lists';
    for (let lv = 0; lv < level; lv++) {
      const at = lv * sizeLinks;
      const links = lists.readUInt16LE(at);
      if (links > expected.M) return `element ${i} has ${links} links on level ${lv + 1}, at most ${expected.M} possible`;
      for (let l = 0; l < links; l++) {
        const to = lists.readUInt32LE(at + 4 + 4 * l);
        if (to >= count) return `element ${i} links to element ${to} of ${count} on level ${lv + 1}`;
      }
    }
  }
  if (count > 0 && highest !== maxLevel) return `max level is ${maxLevel}, but the highest element is on level ${highest}`;
  if (reader.position !== file.bytes) return `file has ${file.bytes - reader.position} bytes after the last link list`;
  return null;
}

interface HeaderShape {
  count: number;
  perElement: number;
  labelOffset: number;
  maxLevel: number;
  entryPoint: number;
}

/** The 96-byte header against what this index would write; the layout, or why not. */
export function checkHeader(header: Buffer, expected: ExpectedFile): HeaderShape | string {
  if (header.length < HEADER_BYTES) return `file is ${header.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  const u64 = (offset: number) => header.readBigUInt64LE(offset);
  const { dimensions, M, efConstruction, count, maxCapacity } = expected;
  const linksLevel0 = 2 * M * 4 + 4;
  const labelOffset = linksLevel0 + dimensions * 4;
  const perElement = labelOffset + 8;
  const fields: [string, bigint, number][] = [
    ['offsetLevel0', u64(0), 0],
    ['elementCount', u64(16), count],
    ['sizeDataPerElement', u64(24), perElement],
    ['labelOffset', u64(32), labelOffset],
    ['offsetData', u64(40), linksLevel0],
    ['maxM', u64(56), M],
    ['maxM0', u64(64), 2 * M],
    ['M', u64(72), M],
    ['efConstruction', u64(88), Math.max(efConstruction, M)],
  ];
  for (const [name, actual, want] of fields) if (actual !== BigInt(want)) return `${name} is ${actual}, expected ${want}`;
  const capacity = u64(8);
  if (capacity < BigInt(count)) return `capacity ${capacity} is below the element count ${count}`;
  if (capacity > BigInt(Math.max(maxCapacity, count)))
    return `capacity ${capacity} is above the ${maxCapacity} this index would allocate`;
  const maxLevel = header.readInt32LE(48);
  const entryPoint = header.readUInt32LE(52);
  if (count === 0 && (maxLevel !== -1 || entryPoint !== EMPTY_ENTRY))
    return `an empty index with entry point ${entryPoint} / max level ${maxLevel}`;
  if (count > 0 && (maxLevel < 0 || maxLevel > MAX_LEVEL || entryPoint >= count))
    return `bad entry point ${entryPoint} / max level ${maxLevel}`;
  const mult = header.readDoubleLE(80);
  if (Math.abs(mult - 1 / Math.log(M)) > 1e-9) return `level multiplier ${mult} does not match M=${M}`;
  return { count, perElement, labelOffset, maxLevel, entryPoint };
}
