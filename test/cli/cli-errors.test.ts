import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, tempProject, vecdex, vecdexOk } from './run-vecdex.js';

describe('vecdex CLI: errors, exit codes, config display', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    assertBuilt();
    ({ dir, cleanup } = await tempProject());
    await vecdexOk(dir, ['init']);
    await vecdexOk(dir, ['collections', 'create', 'docs', '--dimensions', '3']);
  });
  afterAll(() => cleanup());

  it('a text file given as the database is a clear error (exit 1) and is left untouched', async () => {
    const text = 'these are my notes, not a database\n';
    await writeFile(path.join(dir, 'notes.txt'), text);
    await writeFile(
      path.join(dir, 'notes.config.json'),
      JSON.stringify({ backend: { use: '@vecdex/backend-sqlitevec', options: { path: './notes.txt' } } }),
    );
    const r = await vecdex(dir, ['--config', 'notes.config.json', 'collections', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^vecdex: .*notes\.txt.*not .*(SQLite|vecdex)/im);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe(text);
  });

  it('an unknown collection exits 1 and names it', async () => {
    for (const args of [
      ['collections', 'info', 'ghost'],
      ['similar', 'ghost', '--vector', '[1,0,0]'],
      ['delete', 'ghost', 'a'],
      ['collections', 'delete', 'ghost', '--yes'],
    ]) {
      const r = await vecdex(dir, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/unknown collection "ghost"/);
      expect(r.stdout).toBe('');
    }
  });

  it('usage errors exit 2', async () => {
    const cases = [
      ['bogus'],
      ['collections', 'create', 'x'],
      ['collections', 'create', 'x', '--dimensions', 'many'],
      ['collections', 'create', 'x', '--dimensions', '3', '--metric', 'hamming'],
      ['similar', 'docs'],
      ['similar', 'docs', '--vector', '[1,0,0]', '--id', 'a'],
      ['similar', 'docs', '--vector', 'not json'],
      ['delete', 'docs'],
      ['import', 'docs', 'x.jsonl', '--dimensions', '3'],
    ];
    for (const args of cases) {
      const r = await vecdex(dir, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^vecdex: /m);
    }
  });

  it('store errors exit 1: wrong query dimensions, an invalid filter', async () => {
    const dims = await vecdex(dir, ['similar', 'docs', '--vector', '[1,0]']);
    expect(dims.code).toBe(1);
    expect(dims.stderr).toMatch(/2 dimensions but collection "docs" expects 3/);
    const filter = await vecdex(dir, ['similar', 'docs', '--vector', '[1,0,0]', '--filter', '{"$bogus": 1}']);
    expect(filter.code).toBe(1);
    expect(filter.stderr).toMatch(/\$bogus/);
  });

  it('with --json, errors are one JSON object on stderr and stdout is empty', async () => {
    const r = await vecdex(dir, ['collections', 'info', 'ghost', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      error: expect.objectContaining({ code: 'UNKNOWN_COLLECTION', message: expect.stringMatching(/ghost/) }),
    });

    const usage = await vecdex(dir, ['--json', 'collections', 'create', 'x']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr).error.code).toBe('USAGE');
  });

  it('a missing --config file is an error naming it', async () => {
    const r = await vecdex(dir, ['--config', 'missing.json', 'collections', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.json does not exist/);
  });

  it('config shows the resolved config with secrets redacted', async () => {
    await writeFile(
      path.join(dir, 'secret.config.json'),
      JSON.stringify({
        backend: {
          use: '@vecdex/backend-sqlitevec',
          options: {
            path: './vecdex.db',
            password: 'hunter2',
            apiKey: 'sk-live-123',
            mirror: 'postgres://admin:s3cr3t@db.example/prod',
          },
        },
        embedding: {
          provider: 'openai',
          model: 'text-embedding-3-small',
          apiBase: 'http://localhost:11434/v1',
          apiKeyEnv: 'MY_EMBED_KEY',
          options: { token: 'sk-emb-456' },
        },
      }),
    );
    for (const extra of [[], ['--json']]) {
      const r = await vecdexOk(dir, ['--config', 'secret.config.json', 'config', ...extra]);
      const all = r.stdout + r.stderr;
      expect(all).not.toMatch(/hunter2|sk-live-123|s3cr3t|sk-emb-456/);
      if (extra.length === 0)
        expect(r.stdout).toContain(
          'openai text-embedding-3-small (apiBase: http://localhost:11434/v1, apiKeyEnv: MY_EMBED_KEY, options: {"token":"***"})',
        );
      expect(all).toContain('postgres://admin:***@db.example/prod');
      expect(all).toContain('secret.config.json');
    }
    const json = JSON.parse((await vecdexOk(dir, ['--config', 'secret.config.json', 'config', '--json'])).stdout);
    expect(json.backend).toEqual({
      use: '@vecdex/backend-sqlitevec',
      options: { path: './vecdex.db', password: '***', apiKey: '***', mirror: 'postgres://admin:***@db.example/prod' },
      fromEnv: [],
    });
    expect(json.embedding).toEqual({
      provider: 'openai',
      model: 'text-embedding-3-small',
      apiBase: 'http://localhost:11434/v1',
      apiKeyEnv: 'MY_EMBED_KEY',
      options: { token: '***' },
    });
    expect(json.dataDir).toBe(path.join(await realDir(dir), '.vecdex'));
  });

  it('config reports environment overrides', async () => {
    const r = await vecdexOk(dir, ['config', '--json'], { env: { VECDEX_SQLITE_PATH: '/tmp/elsewhere.db' } });
    const json = JSON.parse(r.stdout);
    expect(json.backend.options.path).toBe('/tmp/elsewhere.db');
    expect(json.backend.fromEnv).toEqual(['path']);
  });

  it('--version and --help exit 0', async () => {
    const v = await vecdexOk(dir, ['--version']);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await vecdexOk(dir, ['--help']);
    expect(h.stdout).toMatch(/collections/);
    expect(h.stdout).toMatch(/import/);
  });
});

async function realDir(dir: string): Promise<string> {
  const { realpath } = await import('node:fs/promises');
  return realpath(dir);
}
