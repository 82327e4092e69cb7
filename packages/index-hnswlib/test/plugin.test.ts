import { CONTRACT_VERSION, isPlugin, isVecdexError } from '@vecdex/core';
import { describe, expect, it } from 'vitest';
import plugin, { DEFAULT_PARAMS, importHnswlib } from '../src/index.js';
import { context, tempDir } from './helpers.js';

describe('plugin', () => {
  it('is an index plugin named hnswlib for l2, cosine and ip', () => {
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin).toMatchObject({
      kind: 'index',
      name: 'hnswlib',
      metrics: ['l2', 'cosine', 'ip'],
      contractVersion: CONTRACT_VERSION,
    });
  });

  it('normalizeParams fills defaults', () => {
    expect(plugin.normalizeParams({})).toEqual({ ...DEFAULT_PARAMS });
    expect(plugin.normalizeParams({ M: 32, efSearch: 10 })).toMatchObject({ M: 32, efSearch: 10, efConstruction: 200 });
  });

  it.each([
    [{ M: 1 }, 'M'],
    [{ M: 16.5 }, 'M'],
    [{ efConstruction: '200' }, 'efConstruction'],
    [{ efSearch: -1 }, 'efSearch'],
    [{ randomSeed: -1 }, 'randomSeed'],
    [{ compactThreshold: 0 }, 'compactThreshold'],
    [{ compactThreshold: 1.5 }, 'compactThreshold'],
    [{ initialCapacity: 0 }, 'initialCapacity'],
    [{ efsearch: 10 }, 'efsearch'],
  ])('normalizeParams refuses %j naming %s', (params, name) => {
    let error: unknown;
    try {
      plugin.normalizeParams(params as never);
    } catch (e) {
      error = e;
    }
    expect(isVecdexError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain(name);
    expect((error as { details: { name: string } }).details.name).toBe(name);
  });

  it('refuses the l1 metric at open', async () => {
    const t = await tempDir();
    await expect(plugin.open(context(t.dir, 'l1', 4))).rejects.toMatchObject({ code: 'UNSUPPORTED_METRIC' });
    await t.cleanup();
  });

  it('maps a binding that fails to load to MISSING_NATIVE_DEPENDENCY saying what to install', async () => {
    const cause = new Error("Cannot find module 'hnswlib-node'");
    const error = await importHnswlib(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(isVecdexError(error, 'MISSING_NATIVE_DEPENDENCY')).toBe(true);
    expect((error as Error).cause).toBe(cause);
    expect((error as Error).message).toMatch(/python3, make, g\+\+|python3 make g\+\+/);
    expect((error as Error).message).toMatch(/approve-builds/);
    expect((error as Error).message).toMatch(/onlyBuiltDependencies/);
    const wrong = await importHnswlib(() => Promise.resolve({})).catch((e: unknown) => e);
    expect(isVecdexError(wrong, 'MISSING_NATIVE_DEPENDENCY')).toBe(true);
  });
});
