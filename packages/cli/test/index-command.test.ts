import { Readable } from 'node:stream';
import { InvalidArgumentError } from 'commander';
import type { IndexStatus } from '@vecdex/core';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../src/cli-context.js';
import { formatStatus } from '../src/commands/indexes.js';
import { formatPlan } from '../src/output/print-hits.js';
import { indexProgress } from '../src/index-progress.js';
import { Reporter } from '../src/output/reporter.js';
import { formatBytes } from '../src/output/format-table.js';
import { keyValueParam } from '../src/parse-args.js';

describe('--param key=value', () => {
  it('parses values as JSON when they parse, else keeps the string; repeats accumulate, last wins', () => {
    let params = keyValueParam('M=32', undefined);
    params = keyValueParam('efConstruction=100', params);
    params = keyValueParam('name=fast', params);
    params = keyValueParam('flag=true', params);
    params = keyValueParam('list=[1,2]', params);
    params = keyValueParam('quoted="7"', params);
    params = keyValueParam('eq=a=b', params);
    params = keyValueParam('M=48', params);
    expect(params).toEqual({ M: 48, efConstruction: 100, name: 'fast', flag: true, list: [1, 2], quoted: '7', eq: 'a=b' });
    expect(keyValueParam('empty=', undefined)).toEqual({ empty: '' });
  });

  it('refuses text without a key', () => {
    expect(() => keyValueParam('M', undefined)).toThrow(InvalidArgumentError);
    expect(() => keyValueParam('=3', undefined)).toThrow(/key=value/);
  });
});

describe('index output', () => {
  it('formats byte sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
  });

  it('formats a status with every field the issue asks for', () => {
    const status: IndexStatus = {
      definition: { name: 'hnsw', plugin: 'hnswlib', collections: ['a', 'b'], params: { M: 16 }, createdAt: 0 },
      built: true,
      cursor: '42',
      pendingChanges: 3,
      items: 90,
      deleted: 10,
      deletedFraction: 0.1,
      bytesOnDisk: 2048,
      lastSync: Date.UTC(2025, 0, 2, 3, 4, 5),
      stats: { items: 90, deleted: 10, generation: 2 },
      lastRebuild: null,
      history: {
        recent: [
          {
            index: 'hnsw',
            kind: 'rebuild',
            at: Date.UTC(2025, 0, 2, 3, 4, 5),
            durationMs: 1234,
            items: 90,
            reason: 'deleted fraction 0.30 passed the compaction threshold 0.25',
            cause: 'compaction',
          },
          { index: 'hnsw', kind: 'sync', at: Date.UTC(2025, 0, 1), durationMs: 12, items: 1500, reason: null, cause: null },
        ],
        events: 2,
        since: Date.UTC(2025, 0, 1),
        rebuilds: 1,
        byCause: { compaction: 1 },
        rebuildsPerDay: 0.5,
      },
    };
    const text = formatStatus(status);
    expect(text).toMatch(/^index:\s+hnsw$/m);
    expect(text).toMatch(/^collections:\s+a, b$/m);
    expect(text).toMatch(/^params:\s+M=16$/m);
    expect(text).toMatch(/^built:\s+yes$/m);
    expect(text).toMatch(/^items:\s+90$/m);
    expect(text).toMatch(/^deleted:\s+10$/m);
    expect(text).toMatch(/^deleted fraction:\s+10\.0%$/m);
    expect(text).toMatch(/^pending changes:\s+3$/m);
    expect(text).toMatch(/^size on disk:\s+2\.0 KB$/m);
    expect(text).toMatch(/^last sync:\s+2025-01-02T03:04:05\.000Z$/m);
    expect(text).toMatch(/^cursor:\s+42$/m);
    expect(text).toMatch(/^plugin stats:\n {2}items: 90\n {2}deleted: 10\n {2}generation: 2$/m);
    expect(text).not.toMatch(/rebuilt/);
    expect(text).toMatch(
      /^rebuild rate:\s+1 automatic rebuild\(s\) in 2 recorded event\(s\) since 2025-01-01T00:00:00\.000Z, 0\.50\/day \(compaction 1\)$/m,
    );
    expect(text).toMatch(
      /^recent:\s*\n {2}2025-01-02T03:04:05\.000Z {2}rebuild 90 items in 1234 ms: deleted fraction 0\.30 passed the compaction threshold 0\.25\n {2}2025-01-01T00:00:00\.000Z {2}sync {4}1,500 change\(s\) applied in 12 ms$/m,
    );

    const never = formatStatus({
      ...status,
      built: false,
      cursor: null,
      lastSync: null,
      bytesOnDisk: null,
      stats: null,
      lastRebuild: 'x',
      history: { recent: [], events: 0, since: null, rebuilds: 0, byCause: {}, rebuildsPerDay: null },
    });
    expect(never).toMatch(/^built:\s+no \(run `vecdex index build hnsw`\)$/m);
    expect(never).toMatch(/^last sync:\s+never$/m);
    expect(never).toMatch(/^size on disk:\s+-$/m);
    expect(never).toMatch(/^rebuilt:\s+x$/m);
    expect(never).toMatch(/^plugin stats:\s+-$/m);
    expect(never).toMatch(/^rebuild rate:\s+no builds or syncs recorded yet$/m);
    expect(never).toMatch(/^recent:\s+-$/m);
  });

  it('formats a search plan', () => {
    const text = formatPlan({ strategy: 'index', index: 'hnsw', reason: 'default or requested index', pending: 2 });
    expect(text.split('\n')).toEqual([
      'strategy: index',
      'index:    hnsw',
      'reason:   default or requested index',
      'pending:  2 (changes the index had not applied yet)',
    ]);
  });
});

describe('index progress', () => {
  function ctxWith(isTTY: boolean, json = false): { ctx: CliContext; chunks: string[] } {
    const chunks: string[] = [];
    const stderr = { isTTY, columns: 100, write: (s: string) => chunks.push(s) };
    const io = { stdout: { write: () => true }, stderr, stdin: Readable.from([]), cwd: '/', env: {} };
    const globals = { json, quiet: false };
    return { ctx: { io, globals, out: new Reporter(io, globals) }, chunks };
  }

  it('draws a bar per phase on a terminal and clears it at the end', () => {
    const { ctx, chunks } = ctxWith(true);
    let t = 0;
    const p = indexProgress(ctx, 'hnsw', () => t);
    p.onProgress({ phase: 'sync', done: 10, total: 100 });
    t = 200;
    p.onProgress({ phase: 'sync', done: 50, total: 100 });
    p.onProgress({ phase: 'build', done: 0, total: 1000 });
    t = 400;
    p.onProgress({ phase: 'build', done: 500, total: 1000 });
    p.finish();
    const text = chunks.join('');
    expect(text).toMatch(/syncing hnsw \[#+-+\]\s+50% 50\/100/);
    expect(text).toMatch(/building hnsw \[#+-+\]\s+50% 500\/1,000/);
    expect(chunks.at(-1)).toBe('\r\x1b[K');
  });

  it('draws nothing when stderr is not a terminal, or with --json', () => {
    for (const { ctx, chunks } of [ctxWith(false), ctxWith(true, true)]) {
      let t = 0;
      const p = indexProgress(ctx, 'hnsw', () => t);
      p.onProgress({ phase: 'build', done: 1, total: 10 });
      t = 500;
      p.onProgress({ phase: 'build', done: 5, total: 10 });
      p.finish();
      expect(chunks).toEqual([]);
    }
  });
});
