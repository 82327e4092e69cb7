import type { NormalizedItem, Vecdex } from '@vecdex/core';
import type { Random } from '@vecdex/core/testing';
import { expect } from 'vitest';
import { keyOf } from './helpers.js';

/** The two indexed collections the model tests write to; they share ids. */
export const MODEL_COLLECTIONS = ['a', 'b'] as const;
export type ModelCollection = (typeof MODEL_COLLECTIONS)[number];

/**
 * Random writes to two collections sharing ids, mirrored in memory (faiss-model and
 * usearch-model tests): what the store holds per collection, and the keys written since the
 * index last caught up (`pending`, cleared by the test after a sync or a build).
 *
 * A write is, 70 % of the time (or when the collection is empty), an upsert of 1–12 ids, 40 % of
 * them ids already there (a replacement), the rest drawn from 150; with `twinShare`, that share
 * of new vectors copies the other collection's vector for the same id (equal distances across
 * collections). Otherwise it deletes up to a third of the collection's ids.
 */
export class RandomWrites {
  readonly items = new Map<ModelCollection, Map<string, Float32Array>>(MODEL_COLLECTIONS.map((c) => [c, new Map()]));
  pending = new Set<string>();
  readonly #rng: Random;
  readonly #dims: number;
  readonly #twinShare: number;

  constructor(rng: Random, dims: number, options: { twinShare?: number } = {}) {
    this.#rng = rng;
    this.#dims = dims;
    this.#twinShare = options.twinShare ?? 0;
  }

  get live(): number {
    return (this.items.get('a')?.size ?? 0) + (this.items.get('b')?.size ?? 0);
  }

  /** The store's items (all collections, or `only` one), as `expectExactTopK` takes them. */
  asItems(only?: ModelCollection): Map<string, NormalizedItem[]> {
    return new Map(
      MODEL_COLLECTIONS.filter((c) => only === undefined || c === only).map((c) => [
        c,
        [...(this.items.get(c) as Map<string, Float32Array>)].map(([id, vector]) => ({
          id,
          vector,
          content: null,
          metadata: null,
        })),
      ]),
    );
  }

  /** One random write through the collection API, mirrored here. */
  async write(vx: Vecdex): Promise<void> {
    const rng = this.#rng;
    const c = rng.pick(MODEL_COLLECTIONS);
    const existing = [...(this.items.get(c) as Map<string, Float32Array>).keys()];
    if (rng.next() < 0.7 || existing.length === 0) {
      const batch = new Map<string, Float32Array>();
      for (let i = 1 + rng.int(12); i > 0; i--) {
        const id = existing.length > 0 && rng.next() < 0.4 ? rng.pick(existing) : `id-${rng.int(150)}`;
        if (this.#twinShare > 0) {
          const twin = this.items.get(c === 'a' ? 'b' : 'a')?.get(id);
          batch.set(id, twin !== undefined && rng.next() < this.#twinShare ? Float32Array.from(twin) : rng.vector(this.#dims));
        } else {
          batch.set(id, rng.vector(this.#dims));
        }
      }
      await vx.collection(c).upsert([...batch].map(([id, vector]) => ({ id, vector })));
      for (const [id, v] of batch) {
        this.items.get(c)?.set(id, v);
        this.pending.add(keyOf({ collection: c, id }));
      }
    } else {
      const ids = rng.sample(existing, 1 + rng.int(Math.max(1, Math.ceil(existing.length / 3))));
      expect(await vx.collection(c).delete(ids)).toBe(ids.length);
      for (const id of ids) {
        this.items.get(c)?.delete(id);
        this.pending.add(keyOf({ collection: c, id }));
      }
    }
  }
}
