import { describe } from 'vitest';
import { backendConformanceSuite } from '@vecdex/core/testing';
import { createPgVectorBackend } from '../src/index.js';
import { NO_PG, dropSchema, freshSchema, pgUrl } from './pg-env.js';

// One schema per location (the backend creates it on open), dropped afterwards.
describe.skipIf(NO_PG)('pgvector (needs VECDEX_TEST_PG_URL)', () => {
  backendConformanceSuite({
    name: 'pgvector',
    createLocation: async () => freshSchema('conf'),
    open: (schema, { clock } = {}) =>
      createPgVectorBackend(clock ? { connectionString: pgUrl(), schema, clock } : { connectionString: pgUrl(), schema }),
    destroyLocation: (schema) => dropSchema(schema),
  });
});
