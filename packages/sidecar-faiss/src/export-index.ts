import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { IndexContext, JsonValue } from '@vecdex/core';
import type { FaissState } from './faiss-index.js';
import { fsyncPath as fsyncFile, writeFileAtomic as writeAtomic } from '@vecdex/core/plugin-kit';

export interface ExportResult {
  [key: string]: JsonValue;
  file: string;
  idsFile: string;
  factory: string;
  vectors: number;
  items: number;
}

/**
 * Export for other FAISS users: `file` is FAISS's own `write_index` format (`faiss.read_index`
 * in Python, `Index.read` in faiss-node), `<file>.ids.json` maps each FAISS label to its key:
 *
 * ```json
 * { "format": "vecdex-faiss-ids", "factory": "IVF256,Flat", "metric": "cosine", "dimensions": 384,
 *   "normalized": true, "labels": [{ "collection": "docs", "id": "a" }, null, ...] }
 * ```
 *
 * `null` is a removed entry whose vector is still in the index (a tombstone): skip it in
 * results. `normalized: true` (cosine) means vectors were stored as unit vectors on inner
 * product: normalise queries the same way. Both files are written to `<name>.tmp` and renamed.
 */
export async function exportIndex(state: FaissState, context: IndexContext, file: string): Promise<ExportResult> {
  const target = path.resolve(file);
  const idsFile = `${target}.ids.json`;
  const tmp = `${target}.tmp`;
  try {
    state.native.write(tmp);
    await fsyncFile(tmp);
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
  const labels: ({ collection: string; id: string } | null)[] = [];
  for (let label = 0; label < state.labels.slots; label++) {
    const key = state.labels.keyOf(label);
    labels.push(key === null ? null : { collection: key.collection, id: key.id });
  }
  const ids = {
    format: 'vecdex-faiss-ids',
    formatVersion: 1,
    index: context.definition.name,
    factory: state.plan.factory,
    metric: context.metric,
    dimensions: context.dimensions,
    normalized: context.metric === 'cosine',
    labels,
  };
  await writeAtomic(path.dirname(idsFile), path.basename(idsFile), JSON.stringify(ids));
  return { file: target, idsFile, factory: state.plan.factory, vectors: state.labels.slots, items: state.labels.live };
}
