import { GenerationFiles, type IndexManifest } from '@vecdex/core/plugin-kit';

/** A flat index's saved files: `index.<gen>.codes` (the rows as bytes), labels, manifest. */
export interface FlatManifest extends IndexManifest {
  usearch: string;
  /** `f32`, `i8` or `b1`. */
  codes: string;
  /** Rows in the codes file (live + free slots). */
  rows: number;
  /** int8: the calibration the codes were made with. */
  int8?: unknown;
}

export const FLAT_FILES = new GenerationFiles<FlatManifest>({
  format: 'vecdex-usearch-flat',
  formatVersion: 1,
  extension: 'codes',
  library: 'usearch',
  read: 'buffer',
});
