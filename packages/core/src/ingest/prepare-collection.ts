import type { StorageBackend } from '../contracts/storage-backend.js';
import { VecdexError } from '../errors/vecdex-error.js';
import type { CollectionInfo } from '../model/collection.js';
import type { Metric } from '../model/metric.js';
import { validateCollectionSpec } from '../validation/validate-collection-spec.js';

/**
 * Check an existing collection against the provider: same model (a collection without a model
 * adopts it while empty) and, when the provider knows it, the same dimensions.
 */
export async function checkCollection(
  backend: StorageBackend,
  info: CollectionInfo,
  model: string,
  dimensions: number | undefined,
): Promise<CollectionInfo> {
  if (info.model !== null && info.model !== model) throw modelMismatch(info.name, info.model, model);
  if (dimensions !== undefined && dimensions !== info.dimensions) {
    throw new VecdexError(
      'DIMENSION_MISMATCH',
      `collection "${info.name}" holds ${info.dimensions}-dimensional vectors, but model "${model}" makes ${dimensions}; ingest into another collection`,
      { details: { collection: info.name, expected: info.dimensions, got: dimensions } },
    );
  }
  if (info.model === null) {
    if ((await backend.count(info.name, null)) > 0) {
      throw new VecdexError(
        'MODEL_MISMATCH',
        `collection "${info.name}" already holds vectors of an unrecorded model; ingest into a new collection, or one created with --model ${model}`,
        { details: { collection: info.name, model: null, requested: model } },
      );
    }
    return backend.updateCollection(info.name, { model });
  }
  return info;
}

/** Create the collection for a model's vectors. */
export async function createCollectionFor(
  backend: StorageBackend,
  name: string,
  model: string,
  dimensions: number,
  metric: Metric,
): Promise<CollectionInfo> {
  const spec = validateCollectionSpec({ name, dimensions, metric, model }, backend.capabilities, backend.name);
  try {
    return await backend.createCollection(spec);
  } catch (err) {
    // Created by a concurrent run meanwhile: use it if it fits.
    const info = await backend.getCollection(name);
    if (info === null) throw err;
    return checkCollection(backend, info, model, dimensions);
  }
}

export function modelMismatch(collection: string, has: string, requested: string): VecdexError {
  return new VecdexError(
    'MODEL_MISMATCH',
    `collection "${collection}" was embedded with model "${has}", not "${requested}"; use --model ${has} (and its provider), or ingest into another collection`,
    { details: { collection, model: has, requested } },
  );
}
