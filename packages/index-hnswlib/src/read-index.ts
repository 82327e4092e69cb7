import type { IndexContext, JsonValue } from '@vecdex/core';
import type { LabelMap, Verified } from '@vecdex/core/plugin-kit';
import { replayJournals } from './hnsw-apply.js';
import { checkHnswFile } from './hnsw-file-check.js';
import { HNSW_FILES, type HnswManifest } from './hnsw-files.js';
import { STRUCTURAL_PARAMS, type HnswParams, threadsFor } from './hnsw-params.js';
import type { HnswSpace, HnswlibBinding, NativeHnsw } from './load-hnswlib.js';
import { efFor } from './hnsw-search.js';

export type ReadResult =
  | { ok: true; native: NativeHnsw; labels: LabelMap; manifest: HnswManifest }
  | { ok: false; reason: string };

/**
 * Verify the saved files (the kit's `verify`: manifest, catalog state, sizes, checksums, label
 * map; then `checkHnswFile` walks the whole hnswlib file: header, link lists, levels, entry
 * point, labels, tombstones), and only then read the index into a fresh native object,
 * checking it against the label map once more; then replay the manifest's journals (each change
 * through `applyChange`, as `apply` ran it) and check the counts they must end at.
 */
export async function readVerifiedIndex(
  binding: HnswlibBinding,
  space: HnswSpace,
  context: IndexContext,
  params: HnswParams,
  state: { [key: string]: JsonValue },
): Promise<ReadResult> {
  const v = await verifySavedFiles(context, params, state);
  if (!v.ok) return v;
  const { dimensions } = context;
  const { manifest, labels } = v;
  const native = new binding.HierarchicalNSW(space, dimensions);
  await native.readIndex(v.indexFile, false);
  native.setUpdateNeighborProbability?.(params.updateNeighborProbability);
  const slots = labels.slots;
  if (native.getCurrentCount() !== slots || native.getNumDimensions() !== dimensions || native.getMaxElements() < slots) {
    return { ok: false, reason: 'native index disagrees with the label map' };
  }
  // Labels are slots: hnswlib must hold exactly 0..slots-1.
  const seen = new Uint8Array(slots);
  for (const label of native.getIdsList()) {
    if (!Number.isInteger(label) || label < 0 || label >= slots || seen[label] === 1) {
      return { ok: false, reason: `unexpected native label ${label}` };
    }
    seen[label] = 1;
  }
  if (v.journal.length > 0) {
    const scratch = binding.vector(dimensions);
    const shape = { dimensions, metric: context.metric, name: context.definition.name };
    try {
      await replayJournals(native, labels, v.journal, scratch, shape, threadsFor(params));
    } catch (e) {
      return { ok: false, reason: `journal replay: ${(e as Error)?.message ?? String(e)}` };
    }
    if (labels.live !== manifest.items || labels.free !== manifest.deleted || native.getCurrentCount() !== labels.slots) {
      return { ok: false, reason: 'the replayed journals do not end at the manifest counts' };
    }
  }
  efFor(native, params.efSearch);
  return { ok: true, native, labels, manifest };
}

/** What this index writes for `count` slots: capacity starts at `initialCapacity` and at most doubles past the count. */
export function expectedFile(params: HnswParams, dimensions: number, count: number) {
  return {
    dimensions,
    M: params.M,
    efConstruction: params.efConstruction,
    count,
    maxCapacity: Math.max(params.initialCapacity, 2 * count),
  };
}

/**
 * The kit's checks and `checkHnswFile` of the saved files, without native code or writes. `load`
 * walks every link list (`deep`), since native code reads the file next; `verify` (doctor) checks
 * the manifest, sizes, sha256 and header, which prove the bytes are the ones `save` wrote.
 */
export async function verifySavedFiles(
  context: IndexContext,
  params: HnswParams,
  state: { [key: string]: JsonValue },
  options: { deep: boolean } = { deep: true },
): Promise<Verified<HnswManifest>> {
  const { directory, definition, metric, dimensions } = context;
  const v = await HNSW_FILES.verify(directory, {
    expect: {
      definition: { name: definition.name, createdAt: definition.createdAt },
      metric,
      dimensions,
      structural: Object.fromEntries(STRUCTURAL_PARAMS.map((p) => [p, params[p]])),
    },
    catalog: state,
    check: (file, { labels }) =>
      checkHnswFile(file, expectedFile(params, dimensions, labels.slots), { deep: options.deep, labels }),
  });
  return v;
}
