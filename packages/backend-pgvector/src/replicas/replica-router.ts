import type pg from 'pg';
import type { PoolerMode } from '../pooler.js';
import { parseLsn, type Lsn } from './lsn.js';
import { Replica, type ReplicaStats } from './replica.js';
import { isReplicaDown, isReplicaFailure } from './replica-failure.js';

/** How often a replica's replay position and lag are read again when nothing forces it (ms). */
export const PROBE_INTERVAL_MS = 1_000;

export interface ReplicaRouterOptions {
  maxLagMs: number;
  retryMs: number;
  /**
   * How a replica's URL is reached: a fixed mode (the `pooler` option), or null to detect it per
   * replica on its first use (`pooler: 'auto'`; a replica down at open is detected once it is up).
   */
  pooler: PoolerMode | null;
  /** Detect the pooler behind a URL (one connection of its own; throws when it cannot connect). */
  detect: (url: string) => Promise<PoolerMode>;
  /** The pool for a replica, made with the settings its pooler mode needs. */
  makePool: (url: string, pooler: PoolerMode) => pg.Pool;
  /** Monotonic-enough wall clock in ms (tests may inject one). */
  now?: () => number;
}

/** What `replicaStats()` returns: the replicas, and how many reads fell back to the primary. */
export interface ReplicaRouting {
  replicas: ReplicaStats[];
  /** Reads the primary answered because no replica could (down, lagging, behind this instance's writes). */
  primaryServed: number;
  /** The WAL position of this instance's last write, as captured after its commit (null before any). */
  lastWriteLsn: string | null;
}

/**
 * Sends reads to streaming replicas with read-your-writes. After each write this instance
 * records the primary's WAL insert position (`pg_current_wal_insert_lsn()`, read after COMMIT
 * returned, so it lies at or past the commit record; the flushed `pg_current_wal_lsn()` may lag
 * it under `synchronous_commit = off`). A read goes to a replica only when that replica's
 * `pg_last_wal_replay_lsn()` is at or past it, checked before the read's snapshot is taken;
 * replay only moves forward while the server runs, so once a replica was seen past a position
 * it is not asked again for that position on a connection already probed (a new connection is
 * probed first, and a changed server start time or a failure resets the position: a standby
 * restarted after a crash may take connections behind where it was). Replicas are tried round robin; one that is down, lags past `maxLagMs`,
 * has not replayed the write yet, or fails mid-read is passed by and the read runs on the next
 * one or on the primary. No replica failure reaches the caller. A failed replica is tried again
 * after `retryMs`, a lagging one at its next probe.
 */
export class ReplicaRouter {
  readonly #replicas: Replica[];
  readonly #maxLagMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #pooler: PoolerMode | null;
  readonly #detect: (url: string) => Promise<PoolerMode>;
  readonly #makePool: (url: string, pooler: PoolerMode) => pg.Pool;
  #next = 0;
  #primaryServed = 0;
  /** This instance's newest write position; null before the first write. */
  #writeLsn: Lsn | null = null;
  #writeLsnText: string | null = null;
  /** A write whose position could not be read: reads stay on the primary until one is. */
  #writeUnknown = false;

  constructor(replicas: readonly { url: string; label: string }[], options: ReplicaRouterOptions) {
    this.#replicas = replicas.map((r) => new Replica(r.url, r.label));
    this.#pooler = options.pooler;
    this.#detect = options.detect;
    this.#makePool = options.makePool;
    this.#maxLagMs = options.maxLagMs;
    this.#retryMs = options.retryMs;
    this.#now = options.now ?? Date.now;
  }

  /** Record the primary's position after a write of this instance committed (or may have). */
  async afterWrite(primary: pg.Pool): Promise<void> {
    try {
      const r = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      const text = r.rows[0]?.lsn;
      if (text === undefined) throw new Error('no row');
      const lsn = parseLsn(text);
      if (this.#writeLsn === null || lsn > this.#writeLsn) {
        this.#writeLsn = lsn;
        this.#writeLsnText = text;
      }
      this.#writeUnknown = false;
    } catch {
      this.#writeUnknown = true;
    }
  }

  /**
   * Run a read on a replica that has replayed this instance's writes (`onReplica` gets a
   * client of its pool, released here, destroyed when it threw, and that replica's pooler
   * mode), else `onPrimary()`. Errors of the read itself (not of the replica) are thrown as
   * they are.
   */
  async read<T>(onReplica: (client: pg.PoolClient, pooler: PoolerMode) => Promise<T>, onPrimary: () => Promise<T>): Promise<T> {
    const n = this.#replicas.length;
    if (!this.#writeUnknown && n > 0) {
      const target = this.#writeLsn;
      const start = this.#next;
      this.#next = (this.#next + 1) % n;
      for (let i = 0; i < n; i++) {
        const r = this.#replicas[(start + i) % n] as Replica;
        const answer = await this.#tryReplica(r, target, onReplica);
        if (answer !== SKIPPED) return answer as T;
      }
    }
    this.#primaryServed += 1;
    return onPrimary();
  }

  async #tryReplica<T>(
    r: Replica,
    target: Lsn | null,
    onReplica: (client: pg.PoolClient, pooler: PoolerMode) => Promise<T>,
  ): Promise<T | typeof SKIPPED> {
    const now = this.#now();
    if (r.downUntil > now) return skip(r, 'down');
    const stale = now - r.probedAt >= PROBE_INTERVAL_MS;
    if (!stale && r.lagMs !== null && r.lagMs > this.#maxLagMs) return skip(r, 'lagging');
    let client: pg.PoolClient;
    try {
      if (r.pool === null) await this.#open(r);
      client = await (r.pool as pg.Pool).connect();
    } catch (err) {
      this.#failed(r, err, now);
      return SKIPPED;
    }
    const mustCheck = (target !== null && r.replayed < target) || !r.probedClients.has(client);
    // A connection that drops while checked out emits 'error'; the read's own error handles it.
    const onError = () => undefined;
    client.on('error', onError);
    try {
      if (stale || mustCheck) {
        await r.probe(client, now);
        if ((r.lagMs ?? 0) > this.#maxLagMs) return release(client, onError, skip(r, 'lagging'));
        if (target !== null && r.replayed < target) return release(client, onError, skip(r, 'behind-write'));
      }
      const result = await onReplica(client, r.pooler as PoolerMode);
      r.served += 1;
      return release(client, onError, result);
    } catch (err) {
      client.off('error', onError);
      client.release(err instanceof Error ? err : true);
      if (!isReplicaFailure(err)) throw err;
      this.#failed(r, err, now);
      return SKIPPED;
    }
  }

  /** Find out how the replica's URL is reached (unless the `pooler` option says), then make its pool. */
  async #open(r: Replica): Promise<void> {
    r.opening ??= (async () => {
      try {
        const mode = this.#pooler ?? (await this.#detect(r.url));
        r.pooler = mode;
        r.pool = this.#makePool(r.url, mode);
      } finally {
        r.opening = null;
      }
    })();
    await r.opening;
  }

  #failed(r: Replica, err: unknown, now: number): void {
    r.lastError = err instanceof Error ? err.message : String(err);
    r.forget();
    if (isReplicaDown(err)) {
      r.downUntil = now + this.#retryMs;
      r.skip('down');
    } else {
      r.skip('failed');
    }
  }

  stats(): ReplicaRouting {
    const now = this.#now();
    return {
      replicas: this.#replicas.map((r) => r.stats(now, this.#maxLagMs)),
      primaryServed: this.#primaryServed,
      lastWriteLsn: this.#writeLsnText,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#replicas.map((r) => r.opening?.catch(() => undefined)));
    await Promise.all(this.#replicas.map((r) => r.pool?.end().catch(() => undefined)));
  }
}

const SKIPPED: unique symbol = Symbol('skipped');

function skip(r: Replica, reason: Parameters<Replica['skip']>[0]): typeof SKIPPED {
  r.skip(reason);
  return SKIPPED;
}

function release<V>(client: pg.PoolClient, onError: () => undefined, value: V): V {
  client.off('error', onError);
  client.release();
  return value;
}
