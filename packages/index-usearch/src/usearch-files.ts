import { GenerationFiles, type IndexManifest } from '@vecdex/core/plugin-kit';

/**
 * The saved files (`GenerationFiles` from the plugin kit): `index.<gen>.usearch` (usearch's own
 * `save` file), `labels.<gen>.json` and `manifest.json`, which adds the usearch version.
 */
export interface UsearchManifest extends IndexManifest {
  usearch: string;
  /** Removals applied since the graph was built (absent in files saved before it was recorded). */
  removedSinceBuild?: number;
}

export const USEARCH_FILES = new GenerationFiles<UsearchManifest>({
  format: 'vecdex-usearch',
  formatVersion: 1,
  extension: 'usearch',
  library: 'usearch',
  read: 'path',
});
