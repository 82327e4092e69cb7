/**
 * Crash safety of the plugin kit's journal append (`GenerationFiles.appendJournal`), with real
 * SIGKILLs: a child process (fixtures/journal-crash-child.mjs) appends one journal of one change
 * and kills itself right before each of its file operations in turn (the journal's temporary
 * file, its rename, the manifest's temporary file, its rename), or finishes. After each, the
 * files must verify, naming either the journals before the append or the new one too, never a
 * missing or partial file; the next append continues from what verified; a whole save then
 * leaves one generation and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenerationFiles, LabelMap, decodeChanges } from '@vecdex/core/plugin-kit';
import { afterAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./fixtures/journal-crash-child.mjs', import.meta.url));
const FILES = new GenerationFiles({ format: 'vecdex-crash', formatVersion: 1, extension: 'bin', library: 'crashlib' });
const EXPECT = { definition: { name: 'ix', createdAt: 1 }, metric: 'l2', dimensions: 3, structural: {} };
/** The append's file operations, in order (the tmp names carry a pid and a random token). */
const APPEND_STEPS = [
  /^open-w journal\.1\.\d+-[0-9a-f]{8}\.bin\./,
  /^rename journal\.1\./,
  /^open-w manifest\.json\./,
  /^rename manifest\.json\./,
];

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

function run(dir: string, round: number, dieBeforeFsOp: number | null) {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ dir, round, dieBeforeFsOp })], { encoding: 'utf8' });
  return { lines: r.stdout.trim().split('\n'), signal: r.signal, stderr: r.stderr };
}

describe('SIGKILL at every step of a journal append', () => {
  it('leaves files that verify, with the journals before the append or with the new one; never a broken list', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vecdex-journal-crash-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const labels = new LabelMap();
    labels.assignNext('c', 'seed');
    const fields = { definition: EXPECT.definition, metric: 'l2', dimensions: 3, params: {}, items: 1, deleted: 0, cursor: '0' };
    await FILES.save(dir, { generation: 1, labels, fields, write: (f) => writeFile(f, Buffer.alloc(12)) });

    /** The rounds whose change the verified files hold, in order. */
    const held: number[] = [];
    const outcomes: string[] = [];
    let round = 0;
    for (const dieAt of [1, 2, 3, 4, null, 1, 3, 4, null]) {
      round++;
      const r = run(dir, round, dieAt);
      if (dieAt === null) {
        expect(r.signal, r.stderr).toBeNull();
        expect(r.lines.at(-1)).toBe(`done ${held.length + 1}`);
      } else {
        expect(r.signal, `round ${round}: ${r.stderr}`).toBe('SIGKILL');
        const steps = r.lines.filter((l) => l.startsWith('fs ')).map((l) => l.replace(/^fs \d+ /, ''));
        expect(steps).toHaveLength(dieAt - 1);
        for (const [i, s] of steps.entries()) expect(s).toMatch(APPEND_STEPS[i] as RegExp);
      }
      const v = await FILES.verify(dir, { expect: EXPECT });
      expect(v.ok, `round ${round}: ${v.ok ? '' : v.reason}`).toBe(true);
      if (!v.ok) return;
      // Only the manifest's rename publishes the journal: a kill before it leaves the old list.
      const published = dieAt === null || dieAt > 4;
      if (published) held.push(round);
      outcomes.push(`${dieAt ?? 'none'}:${published ? 'new' : 'old'}`);
      const replayed = v.journal.flatMap((data) => decodeChanges(data, 3).flat()).map((c) => c.id);
      expect(replayed, `round ${round}`).toEqual(held.map((n) => `r${n}`));
      expect(v.manifest.items).toBe(1 + held.length);
      expect(v.manifest.cursor).toBe(held.length === 0 ? '0' : String(held.at(-1)));
    }
    expect(outcomes.filter((o) => o.endsWith('new'))).toHaveLength(2);

    // A whole save of the next generation removes every journal, listed or left behind, and the
    // temporary files of the dead writers.
    const before = await readdir(dir);
    expect(before.some((n) => n.endsWith('.tmp'))).toBe(true);
    const verified = await FILES.verify(dir, { expect: EXPECT });
    if (!verified.ok) throw new Error(verified.reason);
    for (let i = 0; i < held.length; i++) verified.labels.assignNext('c', `r${held[i]}`);
    await FILES.save(dir, {
      generation: 2,
      labels: verified.labels,
      fields: { ...fields, items: verified.labels.live, cursor: 'whole' },
      write: (f) => writeFile(f, Buffer.alloc(12)),
    });
    expect((await readdir(dir)).sort()).toEqual(['index.2.bin', 'labels.2.json', 'manifest.json']);
  }, 60_000);
});
