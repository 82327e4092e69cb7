import type { JsonValue } from '../model/item.js';
import type { FileRecord } from './atomic-files.js';

/**
 * The manifest of one saved generation (`manifest.json`), as `GenerationFiles` writes it. A
 * plugin adds its own fields (library version, what it actually built) through the type
 * parameter of `GenerationFiles`; they are stored beside these.
 */
export interface IndexManifest {
  format: string;
  formatVersion: number;
  generation: number;
  /** The definition the files belong to (an index recreated under the same name does not match). */
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  params: { [key: string]: JsonValue };
  /** Live entries and tombstones (must equal the label map's counts). */
  items: number;
  deleted: number;
  /**
   * The change-feed cursor these files reflect (`save({ cursor })`). Absent in files saved
   * without one. Two processes may save one index in either order, so this, not the catalog's
   * cursor, says where a sync of these files must continue.
   */
  cursor?: string | null;
  files: { index: FileRecord; labels: FileRecord };
  /**
   * What `files` held when they were written whole: their counts (the label map's) and how long
   * writing them took. Absent in files saved before it was recorded (then `items`/`deleted`).
   */
  base?: { items: number; deleted: number; seconds: number };
  /**
   * Change journals appended since `files` were written (`GenerationFiles.appendJournal`), in
   * order: `load` replays them on top. Absent or empty: the files hold everything.
   */
  journal?: JournalRecord[];
  savedAt: number;
}

/** One journal file: its record, how many changes it holds and how long applying them took. */
export interface JournalRecord extends FileRecord {
  changes: number;
  seconds: number;
}

/** Most journal files one manifest may list (a plugin's own limit is usually far lower). */
export const MAX_JOURNAL_FILES = 1000;

/** What a loaded generation must match: the definition, shape and the params that shape the files. */
export interface IndexExpectation {
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  /** Params whose value decides what the files contain (e.g. hnswlib's `M`): must be equal. */
  structural: { [key: string]: JsonValue };
}

/** The fields `save` fills in itself; a plugin gives the rest. */
export type ManifestFields<M extends IndexManifest> = Omit<
  M,
  'files' | 'format' | 'formatVersion' | 'generation' | 'savedAt' | 'base' | 'journal'
>;

/**
 * The catalog state a plugin's `save()` returns (core keeps it and hands it back to `load`):
 * enough to tell which generation and which bytes core last recorded.
 */
export function catalogState(manifest: IndexManifest, manifestName = 'manifest.json'): { [key: string]: JsonValue } {
  return {
    format: manifest.format,
    formatVersion: manifest.formatVersion,
    generation: manifest.generation,
    manifest: manifestName,
    indexFile: manifest.files.index.name,
    indexSha256: manifest.files.index.sha256,
    labelsFile: manifest.files.labels.name,
    labelsSha256: manifest.files.labels.sha256,
    journal: manifest.journal?.length ?? 0,
    items: manifest.items,
    deleted: manifest.deleted,
    bytes: savedBytes(manifest),
  };
}

/** Bytes of every file a manifest names: the index, the label map and the journals. */
export function savedBytes(manifest: IndexManifest): number {
  let bytes = manifest.files.index.bytes + manifest.files.labels.bytes;
  for (const j of manifest.journal ?? []) bytes += j.bytes;
  return bytes;
}

/**
 * Why saved files do not go with what the catalog recorded, or null. Files older than the
 * catalog's generation would silently lose changes (rebuild instead); newer ones (a crash
 * between save and the catalog write, or another process's save) are fine: core replays the
 * feed from the cursor in their manifest.
 */
export function checkCatalog(manifest: IndexManifest, catalog: { [key: string]: JsonValue } | undefined): string | null {
  const known = catalog?.generation;
  if (typeof known === 'number' && manifest.generation < known) {
    return `files are generation ${manifest.generation}, the catalog expects ${known}`;
  }
  if (
    known === manifest.generation &&
    typeof catalog?.indexSha256 === 'string' &&
    catalog.indexSha256 !== manifest.files.index.sha256
  ) {
    return 'index file differs from the one the catalog recorded';
  }
  const journals = manifest.journal?.length ?? 0;
  if (known === manifest.generation && typeof catalog?.journal === 'number' && catalog.journal > journals) {
    return `files hold ${journals} journal(s), the catalog expects ${catalog.journal}`;
  }
  return null;
}

/** Why a parsed manifest is not one of ours or not for this definition, or null (shape only; files are checked after). */
export function checkManifestShape(
  m: IndexManifest,
  format: string,
  formatVersion: number,
  expect: IndexExpectation,
  fileNames: { index: RegExp; labels: RegExp },
): string | null {
  if (typeof m !== 'object' || m === null || m.format !== format) return `not a ${format} manifest`;
  if (m.formatVersion !== formatVersion) return `format version ${String(m.formatVersion)} is not ${formatVersion}`;
  if (!Number.isSafeInteger(m.generation) || !Number.isSafeInteger(m.items) || !Number.isSafeInteger(m.deleted))
    return 'bad counts';
  if (m.items < 0 || m.deleted < 0) return 'bad counts';
  if (m.definition?.name !== expect.definition.name || m.definition?.createdAt !== expect.definition.createdAt)
    return 'files belong to another index definition';
  if (m.cursor !== undefined && m.cursor !== null && typeof m.cursor !== 'string') return 'bad cursor';
  if (m.metric !== expect.metric || m.dimensions !== expect.dimensions)
    return 'files were built for another metric or dimensions';
  for (const [name, want] of Object.entries(expect.structural)) {
    if (m.params?.[name] !== want)
      return `files were built with ${name}=${String(m.params?.[name])}, the definition says ${String(want)}`;
  }
  for (const [record, pattern] of [
    [m.files?.index, fileNames.index],
    [m.files?.labels, fileNames.labels],
  ] as const) {
    const okName = typeof record?.name === 'string' && pattern.test(record.name);
    if (!okName || !Number.isSafeInteger(record.bytes) || record.bytes < 0 || typeof record.sha256 !== 'string')
      return 'bad file record';
  }
  if (m.base !== undefined) {
    const b = m.base;
    if (typeof b !== 'object' || b === null || !Number.isSafeInteger(b.items) || !Number.isSafeInteger(b.deleted))
      return 'bad base counts';
    if (b.items < 0 || b.deleted < 0 || typeof b.seconds !== 'number' || !(b.seconds >= 0)) return 'bad base counts';
  }
  if (m.journal !== undefined) {
    if (!Array.isArray(m.journal) || m.journal.length > MAX_JOURNAL_FILES) return 'bad journal list';
    if (m.journal.length > 0 && m.base === undefined) return 'journal without base counts';
    const name = new RegExp(`^journal\\.${m.generation}\\.\\d{1,4}-[0-9a-f]{8}\\.bin$`);
    for (const j of m.journal as JournalRecord[]) {
      if (typeof j !== 'object' || j === null || typeof j.name !== 'string' || !name.test(j.name)) return 'bad journal record';
      if (!Number.isSafeInteger(j.bytes) || j.bytes < 0 || typeof j.sha256 !== 'string') return 'bad journal record';
      if (!Number.isSafeInteger(j.changes) || j.changes < 0 || typeof j.seconds !== 'number' || !(j.seconds >= 0))
        return 'bad journal record';
    }
  }
  return null;
}
