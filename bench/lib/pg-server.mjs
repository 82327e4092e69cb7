// A PostgreSQL for the pgvector benchmarks: VECDEX_TEST_PG_URL when it is set, else a throwaway
// server started with scripts/setup-postgres.sh (and stopped with scripts/stop-postgres.sh).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `{ url, stop() }`: `stop` ends the server this started, and does nothing for a given one. */
export function startServerIfNeeded(log = (...a) => console.error(...a)) {
  const given = process.env.VECDEX_TEST_PG_URL;
  if (given) return { url: given, stop() {} };
  log('VECDEX_TEST_PG_URL is not set: starting PostgreSQL with scripts/setup-postgres.sh ...');
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/setup-postgres.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env = {};
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  if (!env.VECDEX_TEST_PG_URL || !env.VECDEX_PG_DIR) throw new Error(`setup-postgres.sh printed no server: ${out}`);
  return {
    url: env.VECDEX_TEST_PG_URL,
    stop() {
      execFileSync('bash', [path.join(ROOT, 'scripts/stop-postgres.sh'), env.VECDEX_PG_DIR], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    },
  };
}
