import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

// A resolve hook that makes @opentelemetry/api unresolvable, as in a project that does not install it.
const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/api' || specifier.startsWith('@opentelemetry/api/')) {
    const err = new Error("Cannot find package '@opentelemetry/api'"); err.code = 'ERR_MODULE_NOT_FOUND'; throw err;
  }
  return next(specifier, context);
}`;

const SCRIPT = `
import { openVecdex, ingest, createHashingProvider } from '@vecdex/core';
import sqlitevec from '@vecdex/backend-sqlitevec';
let hidden = false;
try { await import('@opentelemetry/api'); } catch { hidden = true; }
const vx = await openVecdex({ config: { backend: { use: sqlitevec, options: { path: ':memory:' } } }, env: {} });
const report = await ingest(vx, { collection: 'docs', provider: createHashingProvider({ dimensions: 16 }), records: [{ id: 'a', text: 'alpha' }, { id: 'b', text: 'beta' }] });
const { hits, plan } = await vx.collection('docs').search({ vector: Array(16).fill(0.25), k: 2 });
await vx.close();
console.log(JSON.stringify({ hidden, embedded: report.embedded, hits: hits.length, plan: plan.strategy }));
`;

describe('without @opentelemetry/api installed', () => {
  it('vecdex works as usual: ingest and search, nothing thrown, nothing printed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-no-otel-'));
    try {
      const hooks = path.join(dir, 'hooks.mjs');
      await writeFile(hooks, HOOKS);
      const register = path.join(dir, 'register.mjs');
      await writeFile(
        register,
        `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
      );
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', pathToFileURL(register).href, '--input-type=module', '-e', SCRIPT],
        { cwd: here },
      );
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toEqual({ hidden: true, embedded: 2, hits: 2, plan: 'exact' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
