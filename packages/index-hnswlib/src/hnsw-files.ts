import { GenerationFiles, type IndexManifest } from '@vecdex/core/plugin-kit';

/**
 * The saved files (`GenerationFiles` from the plugin kit): `index.<gen>.hnsw` (hnswlib's own
 * `writeIndex` file), `labels.<gen>.json` and `manifest.json`, which adds the capacity and the
 * hnswlib-node version to the kit's fields.
 */
export interface HnswManifest extends IndexManifest {
  capacity: number;
  hnswlibNode: string;
}

export const HNSW_FILES = new GenerationFiles<HnswManifest>({
  format: 'vecdex-hnswlib',
  formatVersion: 1,
  extension: 'hnsw',
  library: 'hnswlib',
  read: 'path',
});
