import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index.js';

// embed-multi in-process with a terminal on stderr: the bar shows rate and ETA; --json stays silent.
describe('embed-multi progress', () => {
  let dir: string;
  const run = async (tty: boolean, ...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'vecdex', ...args], {
      stdout: { write: (s: string) => (stdout += s), isTTY: false },
      stderr: { write: (s: string) => (stderr += s), isTTY: tty, columns: 100 },
      stdin: Readable.from([]),
      cwd: dir,
      env: {},
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-embed-progress-'));
    await writeFile(
      path.join(dir, 'vecdex.config.json'),
      JSON.stringify({ backend: { use: 'sqlitevec', options: { path: './v.db' } } }),
    );
    const lines = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify({ id: `t${i}`, content: `text ${i} ${'word '.repeat(i % 40)}` }),
    );
    await writeFile(path.join(dir, 'in.jsonl'), `${lines.join('\n')}\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('draws a bar with count, rate and ETA on a terminal, and clears it at the end', async () => {
    const r = await run(true, 'embed-multi', 'a', '--jsonl', 'in.jsonl', '-b', '20', '--concurrency', '1', '--no-cache');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/embedding \[[#-]+\]\s+\d+% [\d,]+\/4,000 \d+k?\/s ETA \d+:\d\d/);
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(r.stdout).toMatch(/4000 embedded/);
  });

  it('prints nothing on stderr with --json, even on a terminal', async () => {
    const r = await run(
      true,
      'embed-multi',
      'b',
      '--jsonl',
      'in.jsonl',
      '-b',
      '20',
      '--concurrency',
      '1',
      '--no-cache',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ embedded: 4000 });
  });
});
