import type { IndexContext, JsonValue } from '@vecdex/core';
import { STRUCTURAL_PARAMS, type HnswParams } from './hnsw-params.js';
import { type Manifest, verifyFiles } from './index-files.js';
import type { LabelMap } from './label-map.js';
import type { HnswSpace, HnswlibBinding, NativeHnsw } from './load-hnswlib.js';

export type ReadResult = { ok: true; native: NativeHnsw; labels: LabelMap; manifest: Manifest } | { ok: false; reason: string };

/**
 * Verify the saved files (`verifyFiles`: manifest, sizes, checksums, label map, hnswlib header),
 * compare with the catalog `state`, and only then read the index into a fresh native object,
 * checking it against the label map once more.
 */
export async function readVerifiedIndex(
  binding: HnswlibBinding,
  space: HnswSpace,
  context: IndexContext,
  params: HnswParams,
  state: { [key: string]: JsonValue },
): Promise<ReadResult> {
  const { directory, definition, metric, dimensions } = context;
  const v = await verifyFiles(directory, {
    definition: { name: definition.name, createdAt: definition.createdAt },
    metric,
    dimensions,
    M: params.M,
    efConstruction: params.efConstruction,
    structural: Object.fromEntries(STRUCTURAL_PARAMS.map((p) => [p, params[p]])),
  });
  if (!v.ok) return v;
  const { manifest, labels } = v;
  // Files older than what the catalog recorded would silently lose changes: rebuild instead.
  // Newer files (a crash between save and the catalog write) are fine: core replays the feed.
  const known = state.generation;
  if (typeof known === 'number' && manifest.generation < known) {
    return { ok: false, reason: `files are generation ${manifest.generation}, the catalog expects ${known}` };
  }
  if (
    known === manifest.generation &&
    typeof state.indexSha256 === 'string' &&
    state.indexSha256 !== manifest.files.index.sha256
  ) {
    return { ok: false, reason: 'index file differs from the one the catalog recorded' };
  }
  const native = new binding.HierarchicalNSW(space, dimensions);
  await native.readIndex(v.indexFile, false);
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
  native.setEf(params.efSearch);
  return { ok: true, native, labels, manifest };
}
