/**
 * The fixed 96-byte header hnswlib 0.8 writes at the start of an index file (`saveIndex`, all
 * little-endian): native `loadIndex` trusts these fields to size its buffers, so a file whose
 * header disagrees with what we expect must never reach it. Checked on save (a short write
 * shows up here) and again on load, after the checksum.
 */
export const HEADER_BYTES = 96;

export interface ExpectedHeader {
  dimensions: number;
  M: number;
  efConstruction: number;
  /** Elements (live + tombstoned). */
  count: number;
}

/** Why the header does not match, or null when it does. `fileBytes` is the whole file's size. */
export function checkHeader(header: Buffer, fileBytes: number, expected: ExpectedHeader): string | null {
  if (header.length < HEADER_BYTES) return `file is ${header.length} bytes, shorter than the ${HEADER_BYTES}-byte header`;
  const u64 = (offset: number) => Number(header.readBigUInt64LE(offset));
  const { dimensions, M, efConstruction, count } = expected;
  const linksLevel0 = 2 * M * 4 + 4;
  const perElement = linksLevel0 + dimensions * 4 + 8;
  const fields: [string, number, number][] = [
    ['offsetLevel0', u64(0), 0],
    ['elementCount', u64(16), count],
    ['sizeDataPerElement', u64(24), perElement],
    ['labelOffset', u64(32), linksLevel0 + dimensions * 4],
    ['offsetData', u64(40), linksLevel0],
    ['maxM', u64(56), M],
    ['maxM0', u64(64), 2 * M],
    ['M', u64(72), M],
    ['efConstruction', u64(88), Math.max(efConstruction, M)],
  ];
  for (const [name, actual, want] of fields) if (actual !== want) return `${name} is ${actual}, expected ${want}`;
  const capacity = u64(8);
  if (capacity < count) return `capacity ${capacity} is below the element count ${count}`;
  const maxLevel = header.readInt32LE(48);
  const entryPoint = header.readUInt32LE(52);
  if (count > 0 && (maxLevel < 0 || maxLevel > 64 || entryPoint >= count))
    return `bad entry point ${entryPoint} / max level ${maxLevel}`;
  const mult = header.readDoubleLE(80);
  if (Math.abs(mult - 1 / Math.log(M)) > 1e-9) return `level multiplier ${mult} does not match M=${M}`;
  // Level-0 block plus a 4-byte link-list size per element; upper levels add more.
  const minBytes = HEADER_BYTES + count * (perElement + 4);
  if (fileBytes < minBytes) return `file is ${fileBytes} bytes, at least ${minBytes} expected`;
  return null;
}
