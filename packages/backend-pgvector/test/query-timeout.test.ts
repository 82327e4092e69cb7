import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isVecdexError } from '@vecdex/core';
import { resolvePgVectorOptions } from '../src/pgvector-options.js';
import { NO_PG, Stores, freshAppName, item, spec, withAdmin } from './pg-env.js';

/**
 * A server that stops answering (its backend process SIGSTOPped: what a hung host or a network
 * partition looks like to the client). Only the test's own backend processes are stopped, found
 * by a unique application_name, so test files sharing the server are not touched.
 */
const stopped = new Set<number>();

function signal(pids: Iterable<number>, sig: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

/** SIGSTOP the backends of `app` not stopped yet; returns their pids. */
async function stopBackends(app: string): Promise<number[]> {
  const rows = await withAdmin(
    async (c) => (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])).rows,
  );
  // A stopped backend stays listed until it runs again and sees its client gone: skip those.
  const pids = rows.map((r) => r.pid).filter((pid) => !stopped.has(pid));
  for (const pid of pids) stopped.add(pid);
  signal(pids, 'SIGSTOP');
  return pids;
}

function resumeAll(): void {
  signal(stopped, 'SIGCONT');
  stopped.clear();
}

async function failure(p: Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return { err, ms: Date.now() - t0 };
}

describe('query timeout and keepalive options', () => {
  it('default to a bounded query, keepalive on; 0 turns the query timeout off; bad values are refused', () => {
    const d = resolvePgVectorOptions({});
    expect(d.queryTimeoutMs).toBe(120_000);
    expect(d.keepAlive).toBe(true);
    expect(d.keepAliveInitialDelayMs).toBe(10_000);
    expect(resolvePgVectorOptions({ queryTimeoutMs: 0 }).queryTimeoutMs).toBe(0);
    for (const bad of [{ queryTimeoutMs: -1 }, { queryTimeoutMs: 1.5 }, { keepAlive: 'yes' }, { keepAliveInitialDelayMs: -5 }]) {
      expect(() => resolvePgVectorOptions(bad)).toThrow(/option (queryTimeoutMs|keepAlive|keepAliveInitialDelayMs) must be/);
    }
  });
});

describe.skipIf(NO_PG)('a server that stops answering (PostgreSQL, SIGSTOP)', () => {
  const stores = new Stores();
  afterEach(async () => {
    resumeAll();
    await stores.cleanup();
  });
  afterAll(() => resumeAll());

  it('a read and a write fail with BACKEND_FAILURE within queryTimeoutMs; the stuck connection is not reused', async () => {
    const app = freshAppName();
    const queryTimeoutMs = 1500;
    const b = await stores.open({ applicationName: app, maxConnections: 1, queryTimeoutMs, catalogCache: false });
    await b.createCollection(spec('docs', 3));
    await b.upsert('docs', [item('a', [1, 0, 0])]);
    try {
      expect(await stopBackends(app)).toHaveLength(1);
      const read = await failure(b.get('docs', ['a']));
      expect(isVecdexError(read.err, 'BACKEND_FAILURE'), String(read.err)).toBe(true);
      expect((read.err as Error).message).toMatch(/did not answer a statement within queryTimeoutMs \(1500 ms\)/);
      expect(read.ms).toBeGreaterThanOrEqual(queryTimeoutMs - 50);
      expect(read.ms).toBeLessThan(queryTimeoutMs + 3000);

      // The old backend is still stopped: the next call succeeds only on a new connection.
      expect((await b.get('docs', ['a'])).map((i) => i.id)).toEqual(['a']);

      // A write on a connection that stops answering: typed error, nothing stored.
      expect(await stopBackends(app)).toHaveLength(1);
      const write = await failure(b.upsert('docs', [item('b', [0, 1, 0])]));
      expect(isVecdexError(write.err, 'BACKEND_FAILURE'), String(write.err)).toBe(true);
      expect(write.ms).toBeLessThan(queryTimeoutMs + 3000);
    } finally {
      resumeAll();
    }
    // Resumed: the next calls succeed, and the cut-off write stored nothing.
    await b.upsert('docs', [item('c', [0, 0, 1])]);
    expect((await b.get('docs', ['a', 'b', 'c'])).map((i) => i.id)).toEqual(['a', 'c']);
    expect(await b.count('docs')).toBe(2);
  });
  it('a whole server stopped: a call fails within queryTimeoutMs, the next within connectionTimeoutMs (not retried), and after SIGCONT calls succeed', async () => {
    const app = freshAppName();
    const b = await stores.open({
      applicationName: app,
      maxConnections: 1,
      queryTimeoutMs: 1500,
      connectionTimeoutMs: 1000,
      catalogCache: false,
    });
    await b.createCollection(spec('docs', 3));
    await b.upsert('docs', [item('a', [1, 0, 0])]);
    try {
      const [backend] = await stopBackends(app);
      // The postmaster (the backend's parent) too: new connections get no answer. Other test
      // files' backends keep running; their new connections only wait the ~3 s of this test.
      const postmaster = Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${backend}/status`, 'utf8'))?.[1]);
      expect(postmaster).toBeGreaterThan(1);
      stopped.add(postmaster);
      signal([postmaster], 'SIGSTOP');
      const first = await failure(b.count('docs'));
      expect(isVecdexError(first.err, 'BACKEND_FAILURE'), String(first.err)).toBe(true);
      expect((first.err as Error).message).toMatch(/queryTimeoutMs/);
      expect(first.ms).toBeLessThan(1500 + 1500);
      const second = await failure(b.count('docs'));
      expect(isVecdexError(second.err, 'BACKEND_FAILURE'), String(second.err)).toBe(true);
      expect((second.err as Error).message).toMatch(/cannot connect/);
      expect(second.ms).toBeLessThan(1000 + 800); // one connect attempt, not two
    } finally {
      resumeAll();
    }
    expect(await b.count('docs')).toBe(1);
  });
});
