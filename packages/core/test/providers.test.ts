import { describe, expect, it } from 'vitest';
import {
  PluginRegistry,
  backoffDelay,
  contentHash,
  createEmbeddingProvider,
  createHashingProvider,
  definePlugin,
  distance,
  mergeEmbeddingSettings,
  parseRetryAfter,
  resolveInlineConfig,
} from '../src/index.js';
import { expectVecdexError, expectVecdexErrorSync } from './helpers.js';

describe('hashing provider (offline, lexical)', () => {
  it('is deterministic, unit length, and names its model after its size', async () => {
    const p = createHashingProvider({ dimensions: 256 });
    expect(p.model).toBe('hashing-256');
    expect(p.dimensions).toBe(256);
    const [a, b] = await p.embed(['The quick brown fox', 'The quick brown fox']);
    expect(a).toHaveLength(256);
    expect([...(a as Float32Array)]).toEqual([...(b as Float32Array)]);
    const norm = Math.hypot(...(a as Float32Array));
    expect(norm).toBeCloseTo(1, 5);
  });

  it('puts texts that share words closer than texts that do not', async () => {
    const p = createHashingProvider();
    const [q, near, far] = await p.embed([
      'how to install postgres on debian',
      'installing postgres on a debian server',
      'chocolate cake recipe with berries',
    ]);
    const dNear = distance('cosine', q as Float32Array, near as Float32Array);
    const dFar = distance('cosine', q as Float32Array, far as Float32Array);
    expect(dNear).toBeLessThan(dFar);
    expect(dFar).toBeGreaterThan(0.8);
  });

  it('reads its size from the model name and refuses other names and sizes', () => {
    expect(createHashingProvider({ model: 'hashing-64' }).dimensions).toBe(64);
    expectVecdexErrorSync(() => createHashingProvider({ model: 'text-embedding-3-small' }), 'INVALID_ARGUMENT');
    expectVecdexErrorSync(() => createHashingProvider({ model: 'hashing-64', dimensions: 128 }), 'INVALID_ARGUMENT');
    expectVecdexErrorSync(() => createHashingProvider({ dimensions: 3 }), 'INVALID_ARGUMENT');
  });
});

describe('Retry-After and backoff', () => {
  it('parses delay-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('doubles the delay per retry, capped, with jitter that only ever takes off up to the jitter fraction', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(100);
    expect(backoffDelay(2, policy, undefined, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, undefined, () => 0)).toBe(400);
    expect(backoffDelay(10, policy, undefined, () => 0)).toBe(1000);
    for (let retry = 1; retry <= 8; retry++) {
      const full = Math.min(1000, 100 * 2 ** (retry - 1));
      const samples = Array.from({ length: 500 }, () => backoffDelay(retry, policy));
      for (const d of samples) {
        expect(d).toBeGreaterThanOrEqual(full * 0.5);
        expect(d).toBeLessThanOrEqual(full);
      }
      // The jitter really spreads the retries out.
      expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(full * 0.3);
    }
  });

  it('never waits less than a Retry-After', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };
    expect(backoffDelay(1, policy, 5000, () => 0)).toBe(5000);
    expect(backoffDelay(4, policy, 10, () => 0)).toBe(800);
  });
});

describe('content hash', () => {
  it('depends on the model and the text', () => {
    expect(contentHash('m', 'a')).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash('m', 'a')).toBe(contentHash('m', 'a'));
    expect(contentHash('m', 'a')).not.toBe(contentHash('m', 'b'));
    expect(contentHash('m', 'a')).not.toBe(contentHash('n', 'a'));
    expect(contentHash('m', 'ab')).not.toBe(contentHash('ma', 'b'));
  });
});

describe('embedding config and provider selection', () => {
  it('accepts an embedding section and refuses an API key written into the config', () => {
    const ok = resolveInlineConfig(
      { embedding: { provider: 'openai', model: 'm', apiKeyEnv: 'MY_KEY', concurrency: 8 } },
      { env: {} },
    );
    expect(ok.embedding).toEqual({ provider: 'openai', model: 'm', apiKeyEnv: 'MY_KEY', concurrency: 8 });
    const err = expectVecdexErrorSync(
      () => resolveInlineConfig({ embedding: { apiKey: 'sk-1' } as never }, { env: {} }),
      'CONFIG_INVALID',
    );
    expect(err.message).toMatch(/apiKeyEnv/);
    expect(err.message).not.toContain('sk-1');
    expectVecdexErrorSync(() => resolveInlineConfig({ embedding: { concurrency: 0 } }, { env: {} }), 'CONFIG_INVALID');
    expectVecdexErrorSync(() => resolveInlineConfig({ embedding: { modle: 'x' } as never }, { env: {} }), 'CONFIG_INVALID');
  });

  it('defaults to hashing, lets later layers win, and lists what exists for an unknown name', async () => {
    const reg = new PluginRegistry();
    expect((await createEmbeddingProvider(reg, {}, {})).model).toBe('hashing-512');
    const merged = mergeEmbeddingSettings({ provider: 'hashing', dimensions: 64 }, { dimensions: 32, model: undefined });
    expect((await createEmbeddingProvider(reg, merged, {})).model).toBe('hashing-32');
    const err = await expectVecdexError(() => createEmbeddingProvider(reg, { provider: 'nope' }, {}), 'PLUGIN_NOT_FOUND');
    expect(err.message).toMatch(/hashing, openai/);
  });

  it('needs a key for api.openai.com but not for a local server, and checks apiKeyEnv', async () => {
    const reg = new PluginRegistry();
    await expectVecdexError(() => createEmbeddingProvider(reg, { provider: 'openai' }, {}), 'CONFIG_INVALID');
    const local = await createEmbeddingProvider(reg, { provider: 'openai', apiBase: 'http://127.0.0.1:9/v1', model: 'm' }, {});
    expect(local.model).toBe('m');
    await createEmbeddingProvider(reg, { provider: 'openai' }, { OPENAI_API_KEY: 'sk-x' });
    const err = await expectVecdexError(
      () => createEmbeddingProvider(reg, { provider: 'openai', apiKeyEnv: 'TEAM_KEY' }, {}),
      'CONFIG_INVALID',
    );
    expect(err.message).toMatch(/TEAM_KEY/);
  });

  it('uses a provider plugin loaded from config, passing every setting', async () => {
    const reg = new PluginRegistry();
    let got: Record<string, unknown> = {};
    reg.add(
      definePlugin({
        kind: 'provider',
        name: 'custom',
        async create(options) {
          got = options;
          return { model: 'custom-1', dimensions: 2, embed: async (t) => t.map(() => new Float32Array([1, 0])) };
        },
      }),
    );
    const p = await createEmbeddingProvider(reg, { provider: 'custom', model: 'c', options: { region: 'eu' } }, {});
    expect(p.model).toBe('custom-1');
    expect(got).toMatchObject({ provider: 'custom', model: 'c', region: 'eu' });
  });
});
