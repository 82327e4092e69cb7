import { describe, expect, it } from 'vitest';
import { sortMemoryKb, sortMemorySql } from '../src/copy-ingest.js';
import { NO_PG, withAdmin } from './pg-env.js';

describe('COPY ingest sort memory', () => {
  it('asks for twice the staged bytes plus 4 MB, at most 512 MiB', () => {
    expect(sortMemoryKb(0)).toBe(4096);
    expect(sortMemoryKb(16 * 1024 * 1024)).toBe(32 * 1024 + 4096);
    expect(sortMemoryKb(10 * 1024 ** 3)).toBe(512 * 1024);
  });

  it.skipIf(NO_PG)('raises work_mem for the transaction only, and never lowers it', async () => {
    await withAdmin(async (c) => {
      const show = async () => (await c.query('SHOW work_mem')).rows[0].work_mem as string;
      await c.query('SET work_mem = 4096');
      await c.query('BEGIN');
      await c.query(sortMemorySql(), [40_000]);
      expect(await show()).toBe('40000kB');
      await c.query('COMMIT');
      expect(await show()).toBe('4MB');
      await c.query("SET work_mem = '1GB'");
      await c.query('BEGIN');
      await c.query(sortMemorySql(), [40_000]);
      expect(await show()).toBe('1GB');
      await c.query('COMMIT');
    });
  });
});
