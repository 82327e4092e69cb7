import { afterAll, beforeAll, describe } from 'vitest';
import { backendConformanceSuite } from '@vecdex/core/testing';
import { createPgVectorBackend } from '../src/index.js';
import { HAVE_PGBOUNCER, PgBouncerServer } from './pgbouncer-server.js';
import { NO_PG, dropSchema, freshSchema } from './pg-env.js';

if (!NO_PG && !HAVE_PGBOUNCER && process.env.VECDEX_REQUIRE_PG === '1') {
  throw new Error('VECDEX_REQUIRE_PG=1 but /usr/sbin/pgbouncer is missing: scripts/setup-postgres.sh installs it');
}

// The whole backend conformance suite, every connection going through a real PgBouncer in
// transaction pooling mode (pool of 4 server connections shared by every client).
describe.skipIf(NO_PG || !HAVE_PGBOUNCER)(
  'pgvector through PgBouncer, transaction pooling (needs VECDEX_TEST_PG_URL, pgbouncer)',
  () => {
    let bouncer: PgBouncerServer;
    beforeAll(async () => {
      bouncer = await PgBouncerServer.start();
    });
    afterAll(async () => {
      await bouncer?.stop();
    });
    backendConformanceSuite({
      name: 'pgvector via pgbouncer',
      createLocation: async () => freshSchema('pgb'),
      open: (schema, { clock } = {}) =>
        createPgVectorBackend(
          clock ? { connectionString: bouncer.url, schema, clock } : { connectionString: bouncer.url, schema },
        ),
      destroyLocation: (schema) => dropSchema(schema),
    });
  },
);
