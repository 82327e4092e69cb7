import type { IndexChange } from '../contracts/index-plugin.js';
import { encodeChanges } from './change-journal.js';

/** Past this many bytes of journal the changes are dropped and the next save writes whole. */
const DEFAULT_MAX_BYTES = 256 * 2 ** 20;

/**
 * The batches an index applied since its files were last written whole or loaded, held for the
 * next save to append as a journal (`GenerationFiles.appendJournal`), with the seconds their
 * native work took (what replaying them on load will cost). A build makes them useless (`lose`):
 * the next save must write whole; so does holding more than `maxBytes` of them.
 *
 * ```ts
 * const t = performance.now(); applyNatively(changes); pending.add(changes, (performance.now() - t) / 1000)
 * // save: files.journalFits(saved, pending.seconds, budget) && pending.usable → appendJournal(..., pending.encode())
 * ```
 */
export class PendingChanges {
  readonly #dimensions: number;
  readonly #maxBytes: number;
  #batches: (readonly IndexChange[])[] | null = null;
  #count = 0;
  #bytes = 0;
  #seconds = 0;

  constructor(dimensions: number, options: { maxBytes?: number } = {}) {
    this.#dimensions = dimensions;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** True while every change since the last whole write or load is held. */
  get usable(): boolean {
    return this.#batches !== null;
  }

  get count(): number {
    return this.#count;
  }

  get seconds(): number {
    return this.#seconds;
  }

  /** Record a batch just applied (the array is copied; the vectors are kept, not copied). */
  add(changes: readonly IndexChange[], seconds: number): void {
    if (this.#batches === null) return;
    for (const c of changes)
      this.#bytes += 16 + c.collection.length + c.id.length + (c.op === 'upsert' ? 4 * this.#dimensions : 0);
    if (this.#bytes > this.#maxBytes) {
      this.lose();
      return;
    }
    this.#batches.push([...changes]);
    this.#count += changes.length;
    this.#seconds += seconds;
  }

  /** The files now hold everything (a whole write, a load, a journal appended): start empty. */
  reset(): void {
    this.#batches = [];
    this.#count = 0;
    this.#bytes = 0;
    this.#seconds = 0;
  }

  /** The in-memory index no longer follows from the files by these changes (a build): write whole next. */
  lose(): void {
    this.#batches = null;
    this.#count = 0;
    this.#bytes = 0;
    this.#seconds = 0;
  }

  /** The journal bytes (`encodeChanges`), or null when there is nothing to append. */
  encode(): { data: Buffer; count: number; seconds: number } | null {
    if (this.#batches === null || this.#count === 0) return null;
    return { data: encodeChanges(this.#batches, this.#dimensions), count: this.#count, seconds: this.#seconds };
  }
}
