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
  savedAt: number;
}

/** What a loaded generation must match: the definition, shape and the params that shape the files. */
export interface IndexExpectation {
  definition: { name: string; createdAt: number };
  metric: string;
  dimensions: number;
  /** Params whose value decides what the files contain (e.g. hnswlib's `M`): must be equal. */
  structural: { [key: string]: JsonValue };
}

/** The fields `save` fills in itself; a plugin gives the rest. */
export type ManifestFields<M extends IndexManifest> = Omit<M, 'files' | 'format' | 'formatVersion' | 'generation' | 'savedAt'>;

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
    items: manifest.items,
    deleted: manifest.deleted,
    bytes: manifest.files.index.bytes + manifest.files.labels.bytes,
  };
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
  return null;
}
