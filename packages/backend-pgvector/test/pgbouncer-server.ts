import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pgUrl } from './pg-env.js';
import { freePort } from './replica-server.js';

const run = promisify(execFile);
const PGBOUNCER = '/usr/sbin/pgbouncer';
const ROOT = process.getuid?.() === 0;

/** Whether PgBouncer is installed (scripts/setup-postgres.sh installs it). */
export const HAVE_PGBOUNCER = fs.existsSync(PGBOUNCER);

/**
 * A real PgBouncer (Debian's 1.18) in front of the test server, in transaction pooling mode: a
 * server connection belongs to a client only for one transaction, so session state (SET, LISTEN,
 * temporary tables, named prepared statements) does not survive between transactions.
 */
export class PgBouncerServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /**
   * @param target the server it pools connections to (default the test server; a replica's URL
   * puts it in front of that replica). Same database and user as the test server.
   * @param portFrom the first port to try (default the test server's + 7).
   */
  static async start(poolSize = 4, target: string = pgUrl(), portFrom?: number): Promise<PgBouncerServer> {
    const primary = new URL(target);
    const port = await freePort(portFrom ?? Number(new URL(pgUrl()).port) + 7);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vecdex-pgbouncer-'));
    const db = decodeURIComponent(primary.pathname.slice(1));
    const user = decodeURIComponent(primary.username);
    fs.writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
    fs.writeFileSync(
      path.join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${db} = host=127.0.0.1 port=${primary.port} dbname=${db}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${path.join(dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        // Few server connections for many clients, so transactions really do move between them.
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 500',
        `logfile = ${path.join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    if (ROOT) await run('chown', ['-R', 'postgres:postgres', dir]);
    // PgBouncer refuses to run as root; -u switches to the postgres account (and stays our child).
    const args = ROOT ? ['-u', 'postgres', path.join(dir, 'pgbouncer.ini')] : [path.join(dir, 'pgbouncer.ini')];
    const child = spawn(PGBOUNCER, args, { stdio: 'ignore' });
    const server = new PgBouncerServer(dir, port, child);
    const until = Date.now() + 10_000;
    while ((await freePort(port)) === port) {
      if (child.exitCode !== null || Date.now() > until) {
        const log = fs.existsSync(path.join(dir, 'pgbouncer.log'))
          ? fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8')
          : '';
        throw new Error(`pgbouncer did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return server;
  }

  /** The test database's URL through PgBouncer. */
  get url(): string {
    const u = new URL(pgUrl());
    u.port = String(this.port);
    return u.toString();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
