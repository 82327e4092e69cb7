import { type EmbeddingProvider, EmbedBatchError, createOpenAIProvider, embedWithRetry, isVecdexError } from '@vecdex/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddingServer, type Misbehaviour, expectedVector, startEmbeddingServer } from './embedding-server.js';

const DIMS = 8;
let server: EmbeddingServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(behave?: (n: number) => Misbehaviour | undefined, extra: { shuffle?: boolean; latencyMs?: number } = {}) {
  server = await startEmbeddingServer({ dimensions: DIMS, behave: behave && ((r) => behave(r.n)), ...extra });
  return server;
}

const FAST = { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000 };

async function failureOf(p: EmbeddingProvider, texts: string[]): Promise<Error & { details: Record<string, unknown> }> {
  try {
    await p.embed(texts);
  } catch (err) {
    expect(isVecdexError(err, 'PROVIDER_FAILURE')).toBe(true);
    return err as Error & { details: Record<string, unknown> };
  }
  throw new Error('expected the request to fail');
}

describe('openai-compatible provider', () => {
  it('posts {model, input}, sends the key as a bearer token, and orders vectors by index', async () => {
    const s = await serve(undefined, { shuffle: true });
    const p = createOpenAIProvider({ apiBase: s.apiBase, apiKey: 'sk-test-123', model: 'toy', dimensions: DIMS });
    const out = await p.embed(['alpha', 'beta', 'gamma']);
    expect(out.map((v) => [...v])).toEqual(
      ['alpha', 'beta', 'gamma'].map((t) => expectedVector(t, DIMS).map((x) => Math.fround(x))),
    );
    expect(s.requests[0]).toMatchObject({ model: 'toy', texts: ['alpha', 'beta', 'gamma'], authorization: 'Bearer sk-test-123' });
  });

  it.each<[string, Misbehaviour, RegExp]>([
    ['malformed JSON', { kind: 'malformed' }, /not JSON/],
    ['a wrong vector length', { kind: 'wrong-length' }, /has 7 numbers, expected 8/],
    ['a wrong count', { kind: 'wrong-count' }, /2 embeddings for 3 inputs/],
    ['a repeated index', { kind: 'duplicate-index' }, /index 0 appears twice/],
    ['a non-number', { kind: 'nan' }, /not a finite float32 number/],
  ])('treats %s as a retryable failure of the batch', async (_name, m, message) => {
    const s = await serve(() => m);
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy', dimensions: DIMS });
    const err = await failureOf(p, ['a', 'b', 'c']);
    expect(err.message).toMatch(message);
    expect(err.details.retryable).toBe(true);
  });

  it('marks 429 and 5xx retryable with Retry-After, 400 and 401 not, and never shows the key', async () => {
    const statuses: Misbehaviour[] = [
      { kind: 'status', status: 429, retryAfter: '3' },
      { kind: 'status', status: 503, retryAfter: new Date(Date.now() + 5000).toUTCString() },
      { kind: 'status', status: 400, body: '{"error":"input too long"}' },
      { kind: 'status', status: 401 },
    ];
    const s = await serve((n) => statuses[n - 1]);
    const p = createOpenAIProvider({ apiBase: s.apiBase, apiKey: 'sk-secret-value', model: 'toy' });
    const e429 = await failureOf(p, ['x']);
    expect(e429.details).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
    const e503 = await failureOf(p, ['x']);
    expect(e503.details).toMatchObject({ retryable: true, status: 503 });
    expect(e503.details.retryAfterMs as number).toBeGreaterThan(3000);
    expect(e503.details.retryAfterMs as number).toBeLessThanOrEqual(5000);
    const e400 = await failureOf(p, ['x']);
    expect(e400.details).toMatchObject({ retryable: false, status: 400 });
    expect(e400.message).toMatch(/input too long/);
    const e401 = await failureOf(p, ['x']);
    expect(e401.details.retryable).toBe(false);
    expect(e401.message).toMatch(/API key/);
    for (const e of [e429, e503, e400, e401]) expect(e.message).not.toContain('sk-secret-value');
  });

  it('reports an unreachable server as retryable, naming the URL', async () => {
    const s = await serve();
    const base = s.apiBase;
    await s.close();
    server = null;
    const err = await failureOf(createOpenAIProvider({ apiBase: base, model: 'toy' }), ['x']);
    expect(err.details.retryable).toBe(true);
    expect(err.message).toContain(base);
  });
});

describe('embedWithRetry', () => {
  it('waits at least the Retry-After the server asked for, then succeeds', async () => {
    const s = await serve((n) => (n === 1 ? { kind: 'status', status: 429, retryAfter: '1' } : undefined));
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy', dimensions: DIMS });
    const delays: number[] = [];
    const out = await embedWithRetry(p, ['a', 'b'], { policy: FAST, onRetry: (e) => delays.push(e.delayMs) });
    expect(out).toHaveLength(2);
    expect(s.requests).toHaveLength(2);
    expect(delays).toEqual([1000]);
    const gap = (s.arrivals[1] as number) - (s.arrivals[0] as number);
    expect(gap).toBeGreaterThanOrEqual(990);
  });

  it('retries 500s and invalid responses, then gives up after maxAttempts with the last error', async () => {
    const s = await serve((n) => (n % 2 === 0 ? { kind: 'status', status: 500 } : { kind: 'wrong-count' }));
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy', dimensions: DIMS });
    const err = await embedWithRetry(p, ['a', 'b'], { policy: { ...FAST, maxAttempts: 4 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbedBatchError);
    expect((err as EmbedBatchError).attempts).toBe(4);
    expect((err as Error).message).toMatch(/after 4 attempt\(s\).*500/);
    expect(s.requests).toHaveLength(4);
  });

  it('does not retry a 400', async () => {
    const s = await serve(() => ({ kind: 'status', status: 400 }));
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy' });
    const err = await embedWithRetry(p, ['a'], { policy: FAST }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbedBatchError);
    expect((err as EmbedBatchError).retryable).toBe(false);
    expect(s.requests).toHaveLength(1);
  });

  it('abandons a request past the timeout and retries it', async () => {
    const s = await serve((n) => (n === 1 ? { kind: 'slow', delayMs: 1500 } : undefined));
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy', dimensions: DIMS });
    const t0 = Date.now();
    const out = await embedWithRetry(p, ['a'], { policy: { ...FAST, timeoutMs: 200 } });
    expect(out).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(1200);
    expect(s.requests).toHaveLength(2);
  });

  it('times out a provider that ignores the abort signal', async () => {
    let calls = 0;
    const stuck: EmbeddingProvider = {
      model: 'stuck',
      embed: async (texts) => {
        calls++;
        if (calls === 1) await new Promise(() => undefined);
        return texts.map(() => new Float32Array([1, 2]));
      },
    };
    const out = await embedWithRetry(stuck, ['a'], { policy: { ...FAST, timeoutMs: 100 } });
    expect(out).toHaveLength(1);
    expect(calls).toBe(2);
  });

  it('refuses a Retry-After longer than allowed instead of hanging', async () => {
    const s = await serve(() => ({ kind: 'status', status: 429, retryAfter: '3600' }));
    const p = createOpenAIProvider({ apiBase: s.apiBase, model: 'toy' });
    const err = await embedWithRetry(p, ['a'], { policy: { ...FAST, maxRetryAfterMs: 10_000 } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/asked to wait 3600 s/);
    expect(s.requests).toHaveLength(1);
  });
});
