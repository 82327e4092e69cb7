/**
 * `@vecdex/core/plugin-kit`: the parts every file-backed index plugin needs, in plain Node (no
 * native dependency), so a third-party index is its native calls plus a few lines of wiring:
 *
 * - `LabelMap`: numeric native labels ↔ `(collection, id)` keys, with free-label reuse or
 *   FAISS-style compaction, saved as JSON;
 * - `GenerationFiles`: atomic, checksummed, generation-numbered index files with a manifest,
 *   verified before native code sees a byte (`save`, `verify`, `remove`, `nextGeneration`);
 * - `encodeChanges` / `decodeChanges`: a sync's changes as a journal file, so a save appends
 *   them (`GenerationFiles.appendJournal`) instead of rewriting the whole index;
 * - `catalogState` / `checkCatalog`: what `save()` returns to core and how `load()` compares it;
 * - the atomic-write primitives underneath (`writeFileAtomic`, `fsyncPath`, `describeFile`, `tmpName`);
 * - `IndexVectors`: query and item vectors checked (length, finiteness) and, for cosine, normalised;
 * - `backupScratchName` / `removeDeadScratch`: a backup's scratch file beside its target, and the
 *   ones killed backups left behind.
 *
 * ```ts
 * import { GenerationFiles, LabelMap, catalogState } from '@vecdex/core/plugin-kit'
 * ```
 *
 * See docs/writing-plugins.md ("Files and labels with the plugin kit").
 */
export { LabelMap, type LabelMapJson } from './label-map.js';
export { backupScratchName, removeDeadScratch } from './backup-scratch.js';
export {
  GenerationFiles,
  type GenerationLayout,
  type JournalBudget,
  type NativeFile,
  type NativeFileCheck,
  type Verified,
  verificationOf,
} from './generation-files.js';
export {
  type IndexExpectation,
  type IndexManifest,
  type JournalRecord,
  type ManifestFields,
  catalogState,
  savedBytes,
  checkCatalog,
  checkManifestShape,
} from './index-manifest.js';
export {
  type FileRecord,
  abandonedTemp,
  describeFile,
  fsyncPath,
  readFileRecord,
  sha256,
  tmpName,
  writeFileAtomic,
} from './atomic-files.js';
export { IndexVectors, type VectorSink } from './index-vectors.js';
export { decodeChanges, encodeChanges, journalBatches } from './change-journal.js';
export { PendingChanges } from './pending-changes.js';
export { SequentialReader } from './sequential-reader.js';
export { Int8Quantizer, type Int8QuantizerJson } from './int8-quantizer.js';
