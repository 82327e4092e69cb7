import pg from 'pg';

/** How connections reach PostgreSQL: directly, or through a pooler that hands out a server connection per transaction. */
export type PoolerMode = 'none' | 'transaction';

/** The `pooler` option: `auto` detects it on open. */
export type PoolerOption = PoolerMode | 'auto';

/**
 * Whether a connection goes through a pooler (PgBouncer, pgcat, Supavisor, RDS Proxy, ...).
 * A pooler answers the startup itself and sends the client a process id and cancel key of its
 * own (it must, to route cancel requests), so the id the client was told differs from the
 * server's `pg_backend_pid()`. A session-pooling PgBouncer is detected too and treated like a
 * transaction-pooling one: what vecdex does then is correct under both.
 */
export async function detectPooler(config: pg.ClientConfig): Promise<PoolerMode> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const told = (client as unknown as { processID?: number | null }).processID;
    return typeof told === 'number' && told === r.rows[0]?.pid ? 'none' : 'transaction';
  } finally {
    await client.end().catch(() => undefined);
  }
}
