import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSqliteVecBackend } from '@vecdex/backend-sqlitevec';
import { backendConformanceSuite } from '@vecdex/core/testing';

// One temp directory per location, so the WAL and SHM files go with it.
backendConformanceSuite({
  name: 'sqlitevec',
  createLocation: async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'vecdex-sqlitevec-')), 'store.db'),
  open: (location, { clock } = {}) => createSqliteVecBackend(clock ? { path: location, clock } : { path: location }),
  destroyLocation: (location) => rm(path.dirname(location), { recursive: true, force: true }),
});
