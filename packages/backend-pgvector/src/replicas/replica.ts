import type pg from 'pg';
import type { PoolerMode } from '../pooler.js';
import { parseLsn, type Lsn } from './lsn.js';

/** Why a read passed a replica by. */
export type SkipReason = 'down' | 'lagging' | 'behind-write' | 'failed';

/** What `replicaStats()` reports for one replica (no password: host, port and database only). */
export interface ReplicaStats {
  /** `host:port/database`. */
  server: string;
  /** Reads this replica answered. */
  served: number;
  /** Reads that passed it by, in total and per reason. */
  skipped: number;
  skippedBy: Record<SkipReason, number>;
  /** Replay lag at the last probe, in ms (null before the first probe). */
  lagMs: number | null;
  /** Last WAL position it had replayed when probed, e.g. `0/3000148` (null before the first probe). */
  replayedLsn: string | null;
  /** `up`, `down` (left alone until retried) or `lagging` (past `replicaMaxLagMs`). */
  state: 'up' | 'down' | 'lagging';
  /** The last failure's message, if any. */
  lastError: string | null;
  /**
   * How this replica's URL is reached: `transaction` through a pooler (PgBouncer and the like),
   * `none` directly; detected on its first use (with `pooler: 'auto'`), null until then.
   */
  pooler: PoolerMode | null;
}

/**
 * One streaming replica: its pool, and what the router knows about it (replayed position and
 * lag from the last probe, when it may be tried again after a failure, counters). The pool is
 * made on first use, once it is known whether the URL goes through a pooler (the connection
 * settings differ: PgBouncer refuses `statement_timeout` as a startup parameter).
 */
export class Replica {
  pool: pg.Pool | null = null;
  pooler: PoolerMode | null = null;
  /** The pooler detection and pool creation in progress, shared by concurrent first reads. */
  opening: Promise<void> | null = null;
  served = 0;
  readonly skippedBy: Record<SkipReason, number> = { down: 0, lagging: 0, 'behind-write': 0, failed: 0 };
  /**
   * Highest replay position seen since the server last started. Replay only moves forward while
   * the server runs, so it stays a lower bound until then; a standby restarted after a crash
   * (or an immediate stop) replays again from its last restartpoint and takes read-only
   * connections once consistent, possibly behind what it had replayed before. So a probe that
   * sees another start time takes the new position as it is, and a failure forgets it.
   */
  replayed: Lsn = -1n;
  /** `pg_postmaster_start_time()` at the last probe (null before the first). */
  startedAt: string | null = null;
  /** Connections of the pool already probed: a new one (maybe to a restarted server) is probed before its first read. */
  readonly probedClients = new WeakSet<object>();
  replayedText: string | null = null;
  lagMs: number | null = null;
  probedAt = Number.NEGATIVE_INFINITY;
  downUntil = Number.NEGATIVE_INFINITY;
  lastError: string | null = null;

  constructor(
    readonly url: string,
    readonly label: string,
  ) {}

  skip(reason: SkipReason): void {
    this.skippedBy[reason] += 1;
  }

  /**
   * Read the replay position and lag (one statement). Lag is 0 when everything received is
   * replayed (an idle primary is not lag), else the age of the last replayed transaction.
   * A server that is not in recovery has no replay position: it is reported as down.
   */
  async probe(client: pg.PoolClient, now: number): Promise<void> {
    const r = await client.query<{ replay: string | null; lag_ms: number | null; started: string }>(
      `SELECT pg_last_wal_replay_lsn()::text AS replay, pg_postmaster_start_time()::text AS started,
              CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                   ELSE COALESCE(EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000, 0)
              END::float8 AS lag_ms`,
    );
    const row = r.rows[0];
    this.probedAt = now;
    if (row === undefined || row.replay === null) {
      throw Object.assign(new Error(`${this.label} is not a standby (pg_last_wal_replay_lsn() is null)`), { code: '08000' });
    }
    const lsn = parseLsn(row.replay);
    if (row.started !== this.startedAt) this.forget();
    this.startedAt = row.started;
    this.probedClients.add(client);
    if (lsn > this.replayed) {
      this.replayed = lsn;
      this.replayedText = row.replay;
    }
    this.lagMs = Math.max(0, Math.round(Number(row.lag_ms)));
  }

  /** Forget the replay position (the server failed or restarted): the next read probes it again. */
  forget(): void {
    this.replayed = -1n;
    this.replayedText = null;
  }

  stats(now: number, maxLagMs: number): ReplicaStats {
    const skipped = Object.values(this.skippedBy).reduce((a, b) => a + b, 0);
    const state = this.downUntil > now ? 'down' : this.lagMs !== null && this.lagMs > maxLagMs ? 'lagging' : 'up';
    return {
      server: this.label,
      served: this.served,
      skipped,
      skippedBy: { ...this.skippedBy },
      lagMs: this.lagMs,
      replayedLsn: this.replayedText,
      state,
      lastError: this.lastError,
      pooler: this.pooler,
    };
  }
}
