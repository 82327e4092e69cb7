import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendConformanceSuite } from '@vecdex/core/testing';
import { createJsonFileBackend } from '../src/index.js';

// The same suite the first-party backends pass: every metric, the clock. One declared gap: one
// process (one open backend) per file, so the tests writing through two backends on one store skip.
backendConformanceSuite({
  name: 'jsonfile',
  skip: { sharedStore: true },
  createLocation: async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'vecdex-jsonfile-')), 'store.json'),
  open: (location, { clock } = {}) => createJsonFileBackend(clock ? { path: location, clock } : { path: location }),
  destroyLocation: (location) => rm(path.dirname(location), { recursive: true, force: true }),
});
