import type { IndexContext, JsonValue } from '@vecdex/core';
import { type FaissParams, STRUCTURAL_PARAMS } from './faiss-params.js';
import type { FaissState } from './faiss-index.js';
import { type Manifest, verifyFiles } from './index-files.js';
import { defaultNprobe, describeFactory, withoutPolysemous } from './index-plan.js';
import type { FaissBinding } from './load-faiss.js';
import { patchSerialized, type Tuning } from './native-tuning.js';

export type ReadResult = { ok: true; state: FaissState; manifest: Manifest } | { ok: false; reason: string };

/**
 * Verify the saved files (`verifyFiles`: manifest, sizes, checksums, label map, FAISS header),
 * compare with the catalog `state`, set the current search-time parameters in the verified bytes,
 * and only then let FAISS read them, checking the result against the label map once more.
 * FAISS's `read_index` trusts its input (PITFALLS): it never sees bytes that failed a check.
 */
export async function readVerifiedIndex(
  binding: FaissBinding,
  context: IndexContext,
  params: FaissParams,
  catalog: { [key: string]: JsonValue },
): Promise<ReadResult> {
  const { directory, definition, metric, dimensions } = context;
  const v = await verifyFiles(directory, {
    definition: { name: definition.name, createdAt: definition.createdAt },
    metric,
    dimensions,
    structural: Object.fromEntries(STRUCTURAL_PARAMS.map((p) => [p, params[p]])),
  });
  if (!v.ok) return v;
  const { manifest, labels, index } = v;
  // Files older than what the catalog recorded would silently lose changes: rebuild instead.
  // Newer ones (a crash between save and the catalog write) are fine: core replays the feed.
  const known = catalog.generation;
  if (typeof known === 'number' && manifest.generation < known) {
    return { ok: false, reason: `files are generation ${manifest.generation}, the catalog expects ${known}` };
  }
  if (
    known === manifest.generation &&
    typeof catalog.indexSha256 === 'string' &&
    catalog.indexSha256 !== manifest.files.index.sha256
  ) {
    return { ok: false, reason: 'index file differs from the one the catalog recorded' };
  }
  const shape = describeFactory(manifest.factory);
  const plan = {
    ...shape,
    wanted: manifest.wanted,
    note:
      manifest.factory === withoutPolysemous(manifest.wanted)
        ? null
        : `${manifest.wanted} needs at least ${describeFactory(manifest.wanted).minTrain} vectors to train; searching exactly (Flat) until then`,
  };
  const tuning: Tuning = {};
  if (plan.nlist !== null) tuning.nprobe = defaultNprobe(params, plan);
  if (plan.hnsw) tuning.efSearch = params.efSearch;
  if (Object.keys(tuning).length > 0 && !patchSerialized(index, tuning, plan.nlist)) {
    return { ok: false, reason: `cannot set ${Object.keys(tuning).join(', ')} in the saved ${manifest.factory} index` };
  }
  const native = binding.Index.fromBuffer(index);
  if (native.ntotal() !== labels.slots || native.getDimension() !== dimensions) {
    return { ok: false, reason: 'native index disagrees with the label map' };
  }
  return { ok: true, manifest, state: { native, labels, plan, trainedCount: manifest.trainedCount } };
}
