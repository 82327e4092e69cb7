/**
 * The replica router's read-your-writes bookkeeping across a standby restart, without a server:
 * a pool whose connections answer the router's probe with a replay position and a start time
 * we choose. (replicas.test.ts runs the same paths against a real streaming replica; the restart
 * case there depends on where the standby's crash recovery happens to stop.)
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ReplicaRouter } from '../src/replicas/replica-router.js';

/** A standby as the probe sees it: where it has replayed to and when it started. */
interface Standby {
  replay: string;
  started: string;
}

/** A fake pool: each `connect()` after `restart()` hands out a new connection, as pg.Pool does after the old ones died. */
function fakePool(standby: Standby) {
  let client: object | null = null;
  const pool = {
    connect: async () => {
      client ??= {
        query: async (sql: string) =>
          sql.includes('pg_last_wal_replay_lsn')
            ? { rows: [{ replay: standby.replay, started: standby.started, lag_ms: 0 }] }
            : { rows: [] },
        on: () => undefined,
        off: () => undefined,
        release: () => undefined,
      };
      return client;
    },
    end: async () => undefined,
  };
  return {
    pool: pool as unknown as pg.Pool,
    restart(next: Standby) {
      Object.assign(standby, next);
      client = null;
    },
  };
}

function primaryAt(lsn: string): pg.Pool {
  return { query: async () => ({ rows: [{ lsn }] }) } as unknown as pg.Pool;
}

describe('ReplicaRouter across a standby restart', () => {
  it('probes a new connection first: a standby that came back behind the last write is passed by', async () => {
    const standby = fakePool({ replay: '0/3000', started: '2026-12-03 10:00:00+00' });
    const router = new ReplicaRouter([{ url: 'postgres://replica/db', label: 'replica:5432/db' }], {
      maxLagMs: 1_000_000,
      retryMs: 100,
      pooler: 'none',
      detect: async () => 'none',
      makePool: () => standby.pool,
      now: () => 0, // the periodic probe never comes due: only the router's own checks probe
    });
    await router.afterWrite(primaryAt('0/2000'));
    const where = () =>
      router.read(
        async () => 'replica',
        async () => 'primary',
      );
    expect(await where()).toBe('replica'); // replayed 0/3000 ≥ the write's 0/2000
    expect(await where()).toBe('replica');
    // Crash recovery after an immediate stop: the standby takes connections at 0/1000, before the write.
    standby.restart({ replay: '0/1000', started: '2026-12-03 10:05:00+00' });
    expect(await where()).toBe('primary');
    expect(router.stats().replicas[0]?.skippedBy['behind-write']).toBe(1);
    // Once it has replayed past the write again, it serves reads again.
    standby.restart({ replay: '0/2800', started: '2026-12-03 10:05:00+00' });
    expect(await where()).toBe('replica');
    expect(router.stats().replicas[0]?.replayedLsn).toBe('0/2800');
  });
});
