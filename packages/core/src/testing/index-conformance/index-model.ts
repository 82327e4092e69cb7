import type { IndexChange, IndexEntry, IndexKey } from '../../contracts/index-plugin.js';
import type { Random } from '../random.js';
import { COLLECTIONS } from './index-context.js';

export const keyOf = (k: IndexKey): string => `${k.collection}\u0000${k.id}`;

/**
 * What an index should hold: entries by `(collection, id)`. Tests apply the same changes to the
 * model and to the plugin, then compare searches with brute force over the model.
 */
export class IndexModel {
  readonly entries = new Map<string, IndexEntry>();

  get size(): number {
    return this.entries.size;
  }

  has(key: IndexKey): boolean {
    return this.entries.has(keyOf(key));
  }

  get(key: IndexKey): IndexEntry | undefined {
    return this.entries.get(keyOf(key));
  }

  apply(changes: readonly IndexChange[]): void {
    for (const c of changes) {
      if (c.op === 'upsert') this.entries.set(keyOf(c), { collection: c.collection, id: c.id, vector: c.vector });
      else this.entries.delete(keyOf(c));
    }
  }

  values(): IndexEntry[] {
    return [...this.entries.values()];
  }
}

/**
 * `perCollection` entries in each of the suite's collections, with the same ids (`id-0`,
 * `id-1`...) in every collection but different vectors, so a plugin keying by id alone fails.
 */
export function makeEntries(rng: Random, perCollection: number, dimensions: number, prefix = 'id-'): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (let n = 0; n < perCollection; n++) {
    for (const collection of COLLECTIONS) out.push({ collection, id: `${prefix}${n}`, vector: rng.vector(dimensions) });
  }
  return out;
}

/** Entries in batches of uneven sizes (with an empty batch), as a store's scan may yield them. */
export async function* unevenBatches(entries: readonly IndexEntry[]): AsyncIterable<IndexEntry[]> {
  const sizes = [1, 7, 0, 50, 13, 100];
  let at = 0;
  for (let i = 0; at < entries.length; i++) {
    const size = sizes[i % sizes.length] as number;
    yield entries.slice(at, at + size);
    at += size;
  }
}

/** Random upserts (new keys and replacements) and deletes (present and absent keys). */
export function randomChanges(rng: Random, model: IndexModel, count: number, dimensions: number, fresh: string): IndexChange[] {
  const out: IndexChange[] = [];
  const keys = [...model.entries.values()];
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    const collection = rng.pick(COLLECTIONS);
    if (roll < 0.3 || keys.length === 0) {
      out.push({ op: 'upsert', collection, id: `${fresh}-${i}`, vector: rng.vector(dimensions) });
    } else if (roll < 0.6) {
      const k = rng.pick(keys);
      out.push({ op: 'upsert', collection: k.collection, id: k.id, vector: rng.vector(dimensions) });
    } else if (roll < 0.9) {
      const k = rng.pick(keys);
      out.push({ op: 'delete', collection: k.collection, id: k.id });
    } else {
      out.push({ op: 'delete', collection, id: `never-${i}` });
    }
  }
  return out;
}
