import { GenerationFiles, type IndexManifest } from '@vecdex/core/plugin-kit';

/**
 * The saved files (`GenerationFiles` from the plugin kit): `index.<gen>.faiss` (FAISS's own
 * `write_index` file), `labels.<gen>.json` and `manifest.json`, which adds what was built to the
 * kit's fields. Files are read whole (`read: 'buffer'`): FAISS reads the very bytes that were
 * hashed and checked (faiss-node loads from a buffer), so nothing can change in between.
 */
export interface FaissManifest extends IndexManifest {
  /** The factory string the saved index was built with, and its fourcc (first 4 bytes of the file). */
  factory: string;
  wanted: string;
  fourcc: string;
  /** Live vectors when the index was trained (0 when it needs no training). */
  trainedCount: number;
  faissNode: string;
}

export const FAISS_FILES = new GenerationFiles<FaissManifest>({
  format: 'vecdex-faiss',
  formatVersion: 1,
  extension: 'faiss',
  library: 'FAISS',
  read: 'buffer',
});

/** The plugin's own manifest fields, checked before any file is read. */
export function checkFaissManifest(m: FaissManifest): string | null {
  if (!Number.isSafeInteger(m.trainedCount)) return 'bad counts';
  if (typeof m.factory !== 'string' || typeof m.wanted !== 'string' || typeof m.fourcc !== 'string') return 'bad factory record';
  return null;
}
