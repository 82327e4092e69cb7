/**
 * The wall clock in milliseconds since the epoch, strictly increasing per clock: a reading never
 * repeats or goes back, even within one millisecond or when the wall clock is set back (it then
 * advances by a microsecond per reading until the wall clock catches up).
 */
export class MonotonicClock {
  #last = 0;

  now(): number {
    const wall = Date.now();
    this.#last = wall > this.#last ? wall : this.#last + 0.001;
    return this.#last;
  }
}
