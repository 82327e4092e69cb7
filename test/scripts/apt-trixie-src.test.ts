import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

/** scripts/apt-trixie-src.sh (used by setup-postgres.sh) against temporary apt directories. */
const SCRIPT = fileURLToPath(new URL('../../scripts/apt-trixie-src.sh', import.meta.url));
const run = promisify(execFile);
const dirs: string[] = [];

async function aptDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vecdex-apt-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function entry(dir: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('bash', ['-c', `. "$0"; trixie_src_entry "$1"`, SCRIPT, dir]);
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string };
    return { code: err.code ?? 1, stdout: err.stdout ?? '' };
  }
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('trixie_src_entry', () => {
  it('derives the entry from the deb822 debian.sources when it exists', async () => {
    const dir = await aptDir({
      'sources.list.d/debian.sources':
        'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n',
    });
    const r = await entry(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Types: deb-src\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n',
    );
  });

  it('falls back to a classic sources.list, skipping comments and the security archive', async () => {
    const dir = await aptDir({
      'sources.list':
        '# deb http://old.example/debian buster main\ndeb http://security.debian.org/debian-security bookworm-security main\ndeb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main contrib\n',
    });
    const r = await entry(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Types: deb-src\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/k.gpg\n',
    );
  });

  it('a classic line without options gives an entry without Signed-By', async () => {
    const dir = await aptDir({ 'sources.list': 'deb http://deb.debian.org/debian bookworm main\n' });
    expect((await entry(dir)).stdout).toBe(
      'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\n',
    );
  });

  it('fails when neither file holds a Debian source', async () => {
    expect((await entry(await aptDir({}))).code).toBe(1);
    expect((await entry(await aptDir({ 'sources.list': '# nothing\n' }))).code).toBe(1);
  });
});
