import pg from 'pg';
import type { CollectionRow } from './collection-store.js';

/** The channel every vecdex schema notifies on; the payload is the schema's name. */
export const CATALOG_CHANNEL = 'vecdex_catalog';

/** Wait this long before trying to listen again after the listening connection failed. */
const RETRY_MS = 5_000;

/**
 * Collection rows kept in memory, so core's per-query collection lookup (`getCollection`) is not
 * a server round trip, and still never stale beyond a notification's delivery:
 *
 * - every change to the collections table (create, update, drop) runs
 *   `pg_notify('vecdex_catalog', schema)` in its own transaction, and PostgreSQL delivers it to
 *   listeners when that transaction commits;
 * - this cache keeps one dedicated connection LISTENing, and empties itself on every
 *   notification for its schema, and on its own writes (so a process sees its own changes at once);
 * - rows are cached only while that connection is listening: if it fails, the cache is emptied,
 *   every lookup reads the server again, and listening is retried (after {@link RETRY_MS});
 * - a row read while an invalidation arrived is not cached (a generation counter), so a read
 *   that raced a commit cannot be kept.
 *
 * What this cannot promise: another process's change is seen once its notification arrives
 * (normally well under a millisecond after its commit), not at the commit itself. Turn it off
 * with the backend option `catalogCache: false` (e.g. behind a transaction-pooling PgBouncer,
 * where LISTEN does not work).
 */
export class CatalogCache {
  readonly #rows = new Map<string, CollectionRow>();
  readonly #config: pg.ClientConfig;
  readonly #schema: string;
  #client: pg.Client | null = null;
  #listening = false;
  #starting: Promise<void> | null = null;
  #retryAt = 0;
  #generation = 0;
  #closed = false;

  constructor(config: pg.ClientConfig, schema: string) {
    this.#config = config;
    this.#schema = schema;
  }

  /** True while rows can be cached (the listening connection is up). */
  get listening(): boolean {
    return this.#listening;
  }

  /** The cached row, or read it with `read` (and cache it when that is safe). */
  async get(name: string, read: () => Promise<CollectionRow | null>): Promise<CollectionRow | null> {
    if (this.#listening) {
      const hit = this.#rows.get(name);
      if (hit !== undefined) return hit;
    } else {
      await this.#ensureListening();
    }
    const generation = this.#generation;
    const row = await read();
    // Unknown names are not cached: a collection created elsewhere is found at once.
    if (row !== null && this.#listening && generation === this.#generation) this.#rows.set(name, row);
    return row;
  }

  /** Forget everything (a change was committed here or announced by the server). */
  invalidate(): void {
    this.#generation++;
    this.#rows.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop();
    await this.#starting?.catch(() => undefined);
  }

  #ensureListening(): Promise<void> {
    if (this.#closed || this.#listening || Date.now() < this.#retryAt) return Promise.resolve();
    this.#starting ??= this.#listen().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('error', () => this.#fail(client));
    client.on('end', () => this.#fail(client));
    client.on('notification', (msg) => {
      if (msg.channel === CATALOG_CHANNEL && (msg.payload === this.#schema || msg.payload === undefined)) this.invalidate();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CATALOG_CHANNEL}`);
    } catch {
      this.#retryAt = Date.now() + RETRY_MS;
      client.end().catch(() => undefined);
      return;
    }
    if (this.#closed) {
      client.end().catch(() => undefined);
      return;
    }
    // An idle listener must not keep the process alive (the pool is created with allowExitOnIdle).
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    this.#client = client;
    this.invalidate(); // nothing read before listening may be kept
    this.#listening = true;
  }

  #fail(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#retryAt = Date.now() + RETRY_MS;
    this.#stop();
  }

  #stop(): void {
    this.#listening = false;
    this.invalidate();
    const client = this.#client;
    this.#client = null;
    client?.end().catch(() => undefined);
  }
}
