/**
 * Run async tasks with at most `limit` at once. `run` waits for a free slot, so a producer
 * reading a stream never gets more than `limit` tasks ahead. The first failure is kept and
 * rethrown by `run` and `drain`; tasks already running are let finish.
 */
export class TaskPool {
  readonly #limit: number;
  readonly #running = new Set<Promise<void>>();
  #error: { err: unknown } | null = null;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run(task: () => Promise<void>): Promise<void> {
    while (this.#running.size >= this.#limit) await Promise.race(this.#running);
    this.#throwIfFailed();
    const p: Promise<void> = task()
      .catch((err) => {
        this.#error ??= { err };
      })
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.race(this.#running);
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error !== null) throw this.#error.err;
  }
}
