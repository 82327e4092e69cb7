/**
 * Values read from the store under one change token (`StorageBackend.changeToken`), by key:
 * served while the token stays the same, all dropped as soon as a value under another token
 * is stored. It only ever holds the newest token's values, so it is as large as the keys in use.
 *
 * Correct as long as each value was read *after* the token it is stored under: a commit
 * landing in between makes the next token differ, so the value is read again then.
 */
import type { StorageBackend } from '../contracts/storage-backend.js';

export class TokenCache<V extends { token?: string }> {
  #token: string | null = null;
  readonly #values = new Map<string, V>();

  /** The value stored for `key` under `token`, if the cache still holds that token. */
  get(key: string, token: string): V | undefined {
    return token === this.#token ? this.#values.get(key) : undefined;
  }

  /** Keep `value`, read after `token` was, for queries that bring the same token. */
  set(key: string, token: string, value: V): void {
    if (token !== this.#token) {
      this.#token = token;
      this.#values.clear();
    }
    this.#values.set(key, value);
  }

  /**
   * `read()`'s value under the store's current change token: the token is read first, then the
   * value kept under an equal token is served, or `read()` runs and its value, tagged with the
   * token, is kept for the next call. Without `changeToken` on the backend, or with a null `key`
   * (a request not worth keeping), `read()` runs every time and its value is returned untagged.
   */
  async through(backend: StorageBackend, key: string | null, read: () => Promise<V>): Promise<V> {
    if (key === null || backend.changeToken === undefined) return read();
    const token = await backend.changeToken();
    const known = this.get(key, token);
    if (known !== undefined) return known;
    const value = { ...(await read()), token };
    this.set(key, token, value);
    return value;
  }
}
