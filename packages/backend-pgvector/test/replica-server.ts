import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pgUrl } from './pg-env.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const ROOT = process.getuid?.() === 0;

/** Run a PostgreSQL program, as the postgres account when we are root (the server refuses root). */
async function pgRun(program: string, args: string[]): Promise<string> {
  const [cmd, argv] = ROOT
    ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, program), ...args]]
    : [path.join(PG_BIN, program), args];
  const { stdout } = await run(cmd, argv, { timeout: 120_000 });
  return stdout;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

/** A free loopback port from `from` on (the primary's port + 5: each helper has its own range). */
export async function freePort(from: number): Promise<number> {
  for (let p = from; p < from + 20; p++) if (await portFree(p)) return p;
  throw new Error(`no free port from ${from}`);
}

/**
 * A real hot standby of the test server, made with `pg_basebackup -R` (streaming replication
 * over loopback; initdb's default pg_hba trusts replication from 127.0.0.1, and wal_level is
 * `replica` by default). `stop('immediate')` kills it like a crash, `start()` brings it back.
 */
export class ReplicaServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(portFrom?: number): Promise<ReplicaServer> {
    const primary = new URL(pgUrl());
    const port = await freePort(portFrom ?? Number(primary.port) + 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-replica-'));
    fs.chmodSync(dir, 0o755);
    if (ROOT) await run('chown', ['postgres:postgres', dir]);
    const conninfo = `host=127.0.0.1 port=${primary.port} user=${decodeURIComponent(primary.username)}`;
    await pgRun('pg_basebackup', ['-d', conninfo, '-D', path.join(dir, 'data'), '-R', '-X', 'stream', '-c', 'fast']);
    const server = new ReplicaServer(dir, port);
    await server.start();
    return server;
  }

  get url(): string {
    const primary = new URL(pgUrl());
    primary.port = String(this.port);
    return primary.toString();
  }

  async start(): Promise<void> {
    const data = path.join(this.dir, 'data');
    await pgRun('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c hot_standby=on`,
    ]);
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await pgRun('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** One statement on the replica itself (not through vecdex). */
  async sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    const c = new pg.Client({ connectionString: this.url });
    await c.connect();
    try {
      return (await c.query<R>(text, params)).rows;
    } finally {
      await c.end();
    }
  }

  /** Wait until the replica has replayed everything the primary has written so far. */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const p = new pg.Client({ connectionString: pgUrl() });
    await p.connect();
    let target: string;
    try {
      target = (await p.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0]?.l as string;
    } finally {
      await p.end();
    }
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [r] = await this.sql<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target]);
      if (r?.ok) return;
      if (Date.now() > until) throw new Error(`replica did not replay ${target} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
