import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';

function capture() {
  let text = '';
  return { stream: { write: (s: string) => (text += s), isTTY: false }, text: () => text };
}

// runCli in-process, with its own streams: the exit status is returned, never process.exit'ed.
describe('runCli', () => {
  let dir: string;
  const run = async (...args: string[]) => {
    const out = capture();
    const err = capture();
    const code = await runCli(['node', 'vecdex', ...args], {
      stdout: out.stream,
      stderr: err.stream,
      stdin: Readable.from([]),
      cwd: dir,
      env: {},
    });
    return { code, stdout: out.text(), stderr: err.text() };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-runcli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('returns 0 and writes results to the given stdout', async () => {
    expect((await run('init')).code).toBe(0);
    const created = await run('collections', 'create', 'c', '--dimensions', '2', '--metric', 'l2', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'c', dimensions: 2, metric: 'l2', count: 0 });
  });

  it('returns 1 for store errors and 2 for usage errors', async () => {
    const unknown = await run('collections', 'info', 'zzz');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^vecdex: unknown collection "zzz"/);
    const usage = await run('similar', 'c');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/exactly one of --vector/);
  });

  it('--quiet silences confirmations but not results', async () => {
    const quiet = await run('--quiet', 'collections', 'create', 'd', '--dimensions', '2');
    expect(quiet).toEqual({ code: 0, stdout: '', stderr: '' });
    const list = await run('-q', 'collections', 'list');
    expect(list.stdout).toMatch(/^NAME/);
  });

  it('prints stack traces only with VECDEX_DEBUG=1', async () => {
    const attempt = async (env: NodeJS.ProcessEnv) => {
      const err = capture();
      const code = await runCli(['node', 'vecdex', 'collections', 'list'], {
        stdout: capture().stream,
        stderr: err.stream,
        stdin: Readable.from([]),
        cwd: dir,
        env: { VECDEX_BACKEND: './no-such-plugin.js', ...env },
      });
      return { code, stderr: err.text() };
    };
    const plain = await attempt({});
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^vecdex: plugin file .*no-such-plugin\.js was not found/);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await attempt({ VECDEX_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
