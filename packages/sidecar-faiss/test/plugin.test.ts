import { isVecdexError } from '@vecdex/core';
import { expectVecdexError } from '@vecdex/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { importFaiss } from '../src/load-faiss.js';
import { describeFaiss } from './faiss-available.js';
import { context, tempDir } from './helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('faiss plugin: without the native module', () => {
  it('a binding that fails to load is one MISSING_NATIVE_DEPENDENCY error saying what to run', async () => {
    const err = await importFaiss(() => Promise.reject(new Error('Could not locate the bindings file.'))).catch(
      (e: unknown) => e,
    );
    expect(isVecdexError(err, 'MISSING_NATIVE_DEPENDENCY')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('faiss-node@0.5.1');
    expect(message).toContain('Could not locate the bindings file.');
    expect(message).toContain('bash scripts/setup-faiss.sh');
    expect(message).toContain('libfaiss-dev');
    const notFaiss = await importFaiss(() => Promise.resolve({ something: 1 })).catch((e: unknown) => e);
    expect(isVecdexError(notFaiss, 'MISSING_NATIVE_DEPENDENCY')).toBe(true);
  });

  it('declares l2 and cosine only, and open() refuses other metrics before touching FAISS', async () => {
    expect([...plugin.metrics]).toEqual(['l2', 'cosine']);
    const d = await dir();
    for (const metric of ['ip', 'l1'] as const) {
      const err = await expectVecdexError(plugin.open(context(d, metric, 8)), 'UNSUPPORTED_METRIC');
      expect(err.message).toContain(`metric "${metric}" is not supported by index plugin faiss`);
    }
  });

  it('normalizes params: defaults, per-name validation, unknown names and factory + quantize refused', () => {
    expect(plugin.normalizeParams({})).toEqual({
      factory: null,
      nprobe: null,
      quantize: false,
      sample: 1,
      efSearch: 64,
      efConstruction: 40,
      compactThreshold: 0.1,
      retrainGrowth: 4,
      flatBelow: 10_000,
    });
    expect(plugin.normalizeParams({ factory: 'IVF64,SQ8', nprobe: 8 })).toMatchObject({ factory: 'IVF64,SQ8', nprobe: 8 });
    expect(plugin.normalizeParams({ quantize: 4 })).toMatchObject({ quantize: 4 });
    const bad: [Record<string, unknown>, string][] = [
      [{ nprobe: 0 }, 'nprobe'],
      [{ quantize: 5 }, 'quantize'],
      [{ sample: 0 }, 'sample'],
      [{ factory: 'IVF 1' }, 'factory'],
      [{ efSearch: 1.5 }, 'efSearch'],
      [{ nprob: 4 }, 'unknown faiss param "nprob"'],
      [{ factory: 'IVF16,Flat', quantize: true }, 'either factory'],
    ];
    for (const [params, text] of bad) {
      let err: unknown;
      try {
        plugin.normalizeParams(params as never);
      } catch (e) {
        err = e;
      }
      expect(isVecdexError(err, 'INVALID_ARGUMENT'), JSON.stringify(params)).toBe(true);
      expect((err as Error).message).toContain(text);
    }
  });
});

describeFaiss('faiss plugin: factory strings', () => {
  it('open() refuses a factory string FAISS cannot build, naming it', async () => {
    const d = await dir();
    for (const factory of ['IVF16,Bogus', 'PQ7', 'HNSWx']) {
      const err = await expectVecdexError(plugin.open(context(d, 'l2', 16, { factory })), 'INVALID_ARGUMENT');
      expect(err.message).toContain(`"${factory}"`);
    }
    for (const factory of ['Flat', 'IVF16,Flat', 'IVF16,SQ8', 'IVF16,SQ4', 'IVF16,PQ4', 'HNSW16', 'SQ8']) {
      const ix = await plugin.open(context(d, 'cosine', 16, { factory }));
      expect(ix.stats().items).toBe(0);
      await ix.close();
    }
  });
});
