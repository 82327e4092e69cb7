import { readFile, writeFile } from 'node:fs/promises';
import type { IndexContext, IndexEntry, JsonValue } from '@vecdex/core';
import { GenerationFiles, type IndexManifest, LabelMap, catalogState } from '@vecdex/core/plugin-kit';

/**
 * Saved with the plugin kit (`@vecdex/core/plugin-kit`): `index.<gen>.f32` holds every vector as
 * little-endian float32 in label order, `labels.<gen>.json` the label → (collection, id) map,
 * `manifest.json` the shape, counts and sha256 of both. The kit writes them atomically and
 * verifies all of it on load; this file only says what a valid vector file looks like.
 */
const FILES = new GenerationFiles<IndexManifest>({
  format: 'vecdex-index-bruteforce',
  formatVersion: 2,
  extension: 'f32',
  library: 'bruteforce',
  read: 'buffer',
});

/** One float32 vector per label, nothing else. */
const checkVectors = (bytes: number, labels: LabelMap, dimensions: number): string | null =>
  bytes === labels.slots * dimensions * 4 ? null : `${bytes} bytes for ${labels.slots} vectors of ${dimensions} dimensions`;

export async function writeFlatFile(
  context: IndexContext,
  entries: readonly IndexEntry[],
): Promise<{ [key: string]: JsonValue }> {
  const { directory, definition, metric, dimensions } = context;
  const labels = new LabelMap();
  const vectors = Buffer.alloc(entries.length * dimensions * 4);
  for (const e of entries) {
    const label = labels.append(e.collection, e.id);
    for (let d = 0; d < dimensions; d++) vectors.writeFloatLE(e.vector[d] as number, (label * dimensions + d) * 4);
  }
  const manifest = await FILES.save(directory, {
    generation: await FILES.nextGeneration(directory),
    labels,
    // The kit fsyncs what this writes, checks it, and renames it into place.
    write: (file) => writeFile(file, vectors),
    check: (file) => checkVectors(file.bytes, labels, dimensions),
    fields: {
      definition: { name: definition.name, createdAt: definition.createdAt },
      metric,
      dimensions,
      params: definition.params,
      items: labels.live,
      deleted: labels.free,
    },
  });
  return catalogState(manifest);
}

/** The entries of the saved files, or why they cannot be used (missing, damaged, another index or shape). */
export async function readFlatFile(
  context: IndexContext,
  state: { [key: string]: JsonValue },
): Promise<{ ok: true; entries: IndexEntry[] } | { ok: false; reason: string }> {
  const { directory, definition, metric, dimensions } = context;
  const v = await FILES.verify(directory, {
    expect: { definition: { name: definition.name, createdAt: definition.createdAt }, metric, dimensions, structural: {} },
    catalog: state,
    check: (file, { labels }) => checkVectors(file.bytes, labels, dimensions),
  });
  if (!v.ok) return v;
  const data = v.data ?? (await readFile(v.indexFile));
  const entries: IndexEntry[] = [];
  for (let label = 0; label < v.labels.slots; label++) {
    const key = v.labels.keyOf(label);
    if (key === null) continue;
    const vector = new Float32Array(dimensions);
    for (let d = 0; d < dimensions; d++) vector[d] = data.readFloatLE((label * dimensions + d) * 4);
    entries.push({ collection: key.collection, id: key.id, vector });
  }
  return { ok: true, entries };
}

export function removeFlatFiles(directory: string): Promise<void> {
  return FILES.remove(directory);
}
