import type { IndexContext, JsonValue } from '@vecdex/core';
import type { Verified } from '@vecdex/core/plugin-kit';
import { type FaissParams, STRUCTURAL_PARAMS } from './faiss-params.js';
import type { FaissState } from './faiss-index.js';
import { checkFaissFile } from './faiss-file-check.js';
import { FAISS_FILES, type FaissManifest, checkFaissManifest } from './faiss-files.js';
import { defaultNprobe, describeFactory, withoutPolysemous } from './index-plan.js';
import type { FaissBinding } from './load-faiss.js';
import { patchSerialized, type Tuning } from './native-tuning.js';

export type ReadResult = { ok: true; state: FaissState; manifest: FaissManifest } | { ok: false; reason: string };

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
  const v = await verifySavedFiles(context, params, catalog);
  const { dimensions } = context;
  if (!v.ok) return v;
  const { manifest, labels } = v;
  const index = v.data as Buffer;
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

/** The kit's checks and the FAISS header check of the saved files, without FAISS reading them (`load` and `verify`). */
export async function verifySavedFiles(
  context: IndexContext,
  params: FaissParams,
  catalog: { [key: string]: JsonValue },
): Promise<Verified<FaissManifest>> {
  const { directory, definition, metric, dimensions } = context;
  const v = await FAISS_FILES.verify(directory, {
    expect: {
      definition: { name: definition.name, createdAt: definition.createdAt },
      metric,
      dimensions,
      structural: Object.fromEntries(STRUCTURAL_PARAMS.map((p) => [p, params[p]])),
    },
    catalog,
    checkManifest: checkFaissManifest,
    check: (file, { labels, manifest }) =>
      checkFaissFile(file.data as Buffer, {
        dimensions,
        count: labels.slots,
        fourcc: manifest?.fourcc ?? null,
        nlist: manifest === null ? null : describeFactory(manifest.factory).nlist,
      }),
  });
  return v;
}
