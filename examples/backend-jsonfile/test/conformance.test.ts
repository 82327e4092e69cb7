import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backendConformanceSuite } from '@vecdex/core/testing';
import { createJsonFileBackend } from '../src/index.js';

// The same suite the first-party backends pass, with no declared gaps: every metric, the clock.
backendConformanceSuite({
  name: 'jsonfile',
  createLocation: async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'vecdex-jsonfile-')), 'store.json'),
  open: (location, { clock } = {}) => createJsonFileBackend(clock ? { path: location, clock } : { path: location }),
  destroyLocation: (location) => rm(path.dirname(location), { recursive: true, force: true }),
});
