import type { IndexContext, JsonValue } from '@vecdex/core';
import { IndexVectors, journalBatches, type LabelMap, type Verified } from '@vecdex/core/plugin-kit';
import { applyChanges } from './apply-changes.js';
import type { NativeUsearch, UsearchBinding, UsearchConfig } from './load-usearch.js';
import { checkUsearchFile, referenceFor } from './usearch-file-check.js';
import { USEARCH_FILES, type UsearchManifest } from './usearch-files.js';
import { STRUCTURAL_PARAMS, type UsearchParams } from './usearch-params.js';

export type ReadResult =
  | { ok: true; native: NativeUsearch; labels: LabelMap; manifest: UsearchManifest }
  | { ok: false; reason: string };

/**
 * Verify the saved files (the kit's `verify`: manifest, catalog state, sizes, checksums, label
 * map; then `checkUsearchFile` walks the whole usearch file: head against what this binding
 * writes for this configuration, counts, levels, entry slot, every node's key and neighbours),
 * and only then `load` it into a fresh native index, checking its size once more; then replay
 * the manifest's journals (each batch through `applyChanges`, as `apply` ran it) and check the
 * counts they must end at.
 */
export async function readVerifiedIndex(
  binding: UsearchBinding,
  context: IndexContext,
  params: UsearchParams,
  config: UsearchConfig,
  state: { [key: string]: JsonValue },
): Promise<ReadResult> {
  const v = await verifySavedFiles(binding, context, params, config, state);
  const { dimensions } = context;
  if (!v.ok) return v;
  const native = new binding.Index(config);
  native.load(v.indexFile);
  if (native.size() !== v.labels.live || native.dimensions() !== dimensions) {
    return { ok: false, reason: 'native index disagrees with the label map' };
  }
  if (v.journal.length > 0) {
    const vectors = new IndexVectors(context);
    try {
      for (const batch of journalBatches(v.journal, dimensions)) applyChanges(native, v.labels, vectors, batch, params.threads);
    } catch (e) {
      return { ok: false, reason: `journal replay: ${(e as Error)?.message ?? String(e)}` };
    }
    const { items, deleted } = v.manifest;
    if (v.labels.live !== items || v.labels.free !== deleted || native.size() !== items) {
      return { ok: false, reason: 'the replayed journals do not end at the manifest counts' };
    }
  }
  return { ok: true, native, labels: v.labels, manifest: v.manifest };
}

/**
 * The kit's checks and `checkUsearchFile` of the saved files, without loading them. `load` walks
 * every node (`deep`), since native code reads the file next; `verify` (doctor) checks the
 * manifest, sizes, sha256 and head, which prove the bytes are the ones `save` wrote.
 */
export async function verifySavedFiles(
  binding: UsearchBinding,
  context: IndexContext,
  params: UsearchParams,
  config: UsearchConfig,
  state: { [key: string]: JsonValue },
  options: { deep: boolean } = { deep: true },
): Promise<Verified<UsearchManifest>> {
  const { directory, definition, metric, dimensions } = context;
  const ref = await referenceFor(binding, config);
  const v = await USEARCH_FILES.verify(directory, {
    expect: {
      definition: { name: definition.name, createdAt: definition.createdAt },
      metric,
      dimensions,
      structural: Object.fromEntries(STRUCTURAL_PARAMS.map((p) => [p, params[p]])),
    },
    catalog: state,
    check: (file, { labels }) => checkUsearchFile(file, ref, { dimensions, labels, deep: options.deep }),
  });
  return v;
}
