import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type EmbeddingConfig, type IngestRecord, type Vecdex, openVecdex } from '@vecdex/core';
import { Random } from '@vecdex/core/testing';
import hnswlib from '@vecdex/index-hnswlib';
import { hnswlibDefaults } from '../filters/planner-defaults.js';

const NOUNS = ['keys', 'vault', 'coat', 'milk', 'river', 'garden', 'invoice', 'server', 'kitten', 'violin', 'harbor', 'ledger'];
const VERBS = ['rotate', 'buy', 'repair', 'paint', 'audit', 'feed', 'tune', 'sail', 'archive', 'water', 'deploy', 'mend'];
const PLACES = ['kitchen', 'office', 'attic', 'station', 'market', 'studio', 'cellar', 'dock'];

/** `n` records whose texts share words in varied combinations (so lexical neighbours exist). */
export function textCorpus(n: number, seed = 7, prefix = 'doc'): IngestRecord[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    text: `${rng.pick(VERBS)} the ${rng.pick(NOUNS)} in the ${rng.pick(PLACES)} ${rng.pick(NOUNS)} number ${i}`,
    metadata: { lang: i % 2 === 0 ? 'en' : 'de', n: i },
  }));
}

/** A store in a fresh directory; `open` (re)opens it with the given embedding settings. */
export async function queryStore(prefix = 'vecdex-queries-'): Promise<{
  dir: string;
  open: (embedding?: EmbeddingConfig, env?: NodeJS.ProcessEnv) => Promise<Vecdex>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return {
    dir,
    open: (embedding, env = {}) =>
      openVecdex({
        config: {
          backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
          plugins: [hnswlib, hnswlibDefaults],
          dataDir: path.join(dir, 'data'),
          ...(embedding ? { embedding } : {}),
        },
        cwd: dir,
        env,
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
