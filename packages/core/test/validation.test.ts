import { describe, expect, it } from 'vitest';
import {
  MAX_ID_LENGTH,
  MAX_K,
  MAX_METADATA_BYTES,
  normalizeItem,
  normalizeMetadata,
  toVector,
  validateCollectionSpec,
  validateId,
  validateK,
  validateName,
  type BackendCapabilities,
} from '../src/index.js';
import { cacheCollectionName } from '../src/ingest/embedding-cache.js';
import { validateUserName } from '../src/validation/validate-name.js';
import { expectVecdexErrorSync } from './helpers.js';

describe('validateId', () => {
  it('returns valid ids unchanged', () => {
    expect(validateId('doc-1')).toBe('doc-1');
    expect(validateId('a b/c:d é 😀')).toBe('a b/c:d é 😀');
    expect(validateId('\uD83D\uDE00')).toBe('😀');
  });

  it('refuses the empty string', () => {
    expect(expectVecdexErrorSync(() => validateId(''), 'INVALID_ID').message).toBe('invalid item id: ids must not be empty');
  });

  it('accepts 512 UTF-16 code units, refuses 513', () => {
    expect(MAX_ID_LENGTH).toBe(512);
    expect(validateId('x'.repeat(512))).toHaveLength(512);
    const err = expectVecdexErrorSync(() => validateId('x'.repeat(513)), 'INVALID_ID');
    expect(err.message).toContain('at most 512 characters, got 513');
    // the offending id is not echoed in full
    expect(String(err.details.id).length).toBeLessThan(50);
    // astral characters count as two units
    expect(validateId('😀'.repeat(256))).toHaveLength(512);
    expectVecdexErrorSync(() => validateId(`${'😀'.repeat(256)}a`), 'INVALID_ID');
  });

  it('refuses control characters', () => {
    for (const id of ['a\nb', 'tab\there', '\u0000', 'x\u001f', 'del\u007f', '\r']) {
      expect(expectVecdexErrorSync(() => validateId(id), 'INVALID_ID').message).toContain('contains a control character');
    }
  });

  it('refuses lone surrogates', () => {
    for (const id of ['a\uD800', '\uDC00b', '\uDE00\uD83D', 'x\uDBFFy', '\uD83D\uD83D']) {
      expect(expectVecdexErrorSync(() => validateId(id), 'INVALID_ID').message).toContain('lone surrogate');
    }
  });

  it('refuses non-strings, naming the type', () => {
    expect(expectVecdexErrorSync(() => validateId(1), 'INVALID_ID').message).toContain('got number');
    expect(expectVecdexErrorSync(() => validateId(null), 'INVALID_ID').message).toContain('got null');
    expect(expectVecdexErrorSync(() => validateId(undefined), 'INVALID_ID').message).toContain('got undefined');
    expect(expectVecdexErrorSync(() => validateId(['a']), 'INVALID_ID').message).toContain('got object');
  });
});

describe('toVector', () => {
  const ctx = { collection: 'docs', dimensions: 3, metric: 'l2' as const };

  it('converts a number array to a Float32Array', () => {
    const v = toVector([1, 2.5, -3], ctx);
    expect(v).toBeInstanceOf(Float32Array);
    expect([...v]).toEqual([1, 2.5, -3]);
  });

  it('passes a Float32Array through as the same object', () => {
    const f = new Float32Array([1, 2, 3]);
    expect(toVector(f, ctx)).toBe(f);
  });

  it('converts other typed arrays', () => {
    const v = toVector(new Float64Array([0.1, 2, 3]), ctx);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v[0]).toBe(Math.fround(0.1));
    expect([...toVector(new Int8Array([1, -2, 3]), ctx)]).toEqual([1, -2, 3]);
  });

  it('refuses NaN and infinities, naming the element', () => {
    expect(expectVecdexErrorSync(() => toVector([1, Number.NaN, 3], ctx), 'INVALID_VECTOR').message).toBe(
      'query vector: element 1 is NaN; vectors must hold finite numbers',
    );
    expect(expectVecdexErrorSync(() => toVector([Number.POSITIVE_INFINITY, 0, 0], ctx), 'INVALID_VECTOR').message).toContain(
      'element 0 is Infinity',
    );
    expect(expectVecdexErrorSync(() => toVector([0, 0, Number.NEGATIVE_INFINITY], ctx), 'INVALID_VECTOR').message).toContain(
      'element 2 is -Infinity',
    );
    expect(expectVecdexErrorSync(() => toVector(new Float32Array([0, Number.NaN, 0]), ctx), 'INVALID_VECTOR').message).toContain(
      'element 1 is NaN',
    );
  });

  it('refuses a finite double that overflows float32 (1e39)', () => {
    expect(expectVecdexErrorSync(() => toVector([0, 0, 1e39], ctx), 'INVALID_VECTOR').message).toContain(
      'element 2 is 1e+39 (overflows float32)',
    );
    expect(expectVecdexErrorSync(() => toVector([-3.5e38, 0, 0], ctx), 'INVALID_VECTOR').message).toContain('overflows float32');
    expect(expectVecdexErrorSync(() => toVector(new Float64Array([1e39, 0, 0]), ctx), 'INVALID_VECTOR').message).toContain(
      'element 0 is 1e+39 (overflows float32)',
    );
    // the largest float32 is fine
    expect(toVector([3.4028234663852886e38, 0, 0], ctx)[0]).toBe(3.4028234663852886e38);
  });

  it('refuses non-number elements', () => {
    expect(expectVecdexErrorSync(() => toVector(['1', 2, 3], ctx), 'INVALID_VECTOR').message).toBe(
      'query vector: element 0 is string, expected a number',
    );
    expect(expectVecdexErrorSync(() => toVector([1, null, 3], ctx), 'INVALID_VECTOR').message).toContain('element 1 is null');
    // biome-ignore lint/suspicious/noSparseArray: a hole is the point
    expect(expectVecdexErrorSync(() => toVector([1, , 3], ctx), 'INVALID_VECTOR').message).toContain('element 1 is undefined');
    expect(expectVecdexErrorSync(() => toVector(new BigInt64Array(3), ctx), 'INVALID_VECTOR').message).toContain(
      'element 0 is bigint',
    );
  });

  it('refuses values that are not arrays', () => {
    for (const v of ['1,2,3', { 0: 1, 1: 2, 2: 3, length: 3 }, null, 3, undefined]) {
      expect(expectVecdexErrorSync(() => toVector(v, ctx), 'INVALID_VECTOR').message).toContain(
        'expected an array of numbers or a Float32Array',
      );
    }
  });

  it('refuses wrong dimensions with DIMENSION_MISMATCH', () => {
    const err = expectVecdexErrorSync(() => toVector([1, 2], ctx), 'DIMENSION_MISMATCH');
    expect(err.message).toBe('query vector has 2 dimensions but collection "docs" expects 3');
    expect(err.details).toMatchObject({ collection: 'docs', expected: 3, actual: 2 });
    const err2 = expectVecdexErrorSync(() => toVector(new Float32Array(4), { ...ctx, id: 'x' }), 'DIMENSION_MISMATCH');
    expect(err2.message).toBe('item "x" has 4 dimensions but collection "docs" expects 3');
    expectVecdexErrorSync(() => toVector([], ctx), 'DIMENSION_MISMATCH');
  });

  it('refuses the zero vector under cosine only', () => {
    const cos = { ...ctx, metric: 'cosine' as const, id: 'z' };
    expect(expectVecdexErrorSync(() => toVector([0, 0, 0], cos), 'INVALID_VECTOR').message).toBe(
      'item "z": is all zeros, which has no direction under the cosine metric',
    );
    expectVecdexErrorSync(() => toVector(new Float32Array(3), cos), 'INVALID_VECTOR');
    expectVecdexErrorSync(() => toVector([-0, 0, -0], cos), 'INVALID_VECTOR');
    // a value that is zero once stored as float32 counts as zero
    expectVecdexErrorSync(() => toVector([1e-50, 0, 0], cos), 'INVALID_VECTOR');
    expect([...toVector([0, 0, 0], ctx)]).toEqual([0, 0, 0]);
    expect([...toVector([0, 0, 0], { ...ctx, metric: 'ip' })]).toEqual([0, 0, 0]);
    expect([...toVector([0, 1e-30, 0], cos)]).toEqual([0, Math.fround(1e-30), 0]);
  });
});

describe('normalizeItem', () => {
  const ctx = { collection: 'docs', dimensions: 2, metric: 'cosine' as const };

  it('fills defaults and converts the vector', () => {
    const item = normalizeItem({ id: 'a', vector: [1, 0] }, ctx);
    expect(item).toEqual({ id: 'a', vector: new Float32Array([1, 0]), content: null, metadata: null });
    const md = { lang: 'en' };
    const full = normalizeItem({ id: 'b', vector: [0, 1], content: 'hi', metadata: md }, ctx);
    expect(full.content).toBe('hi');
    expect(full.metadata).toBe(md);
  });

  it('refuses non-objects', () => {
    for (const v of [null, 'a', ['a', [1, 0]], 5]) {
      expect(expectVecdexErrorSync(() => normalizeItem(v, ctx), 'INVALID_ITEM').message).toContain('an item is an object');
    }
  });

  it('checks the id first, then the vector, content and metadata', () => {
    expectVecdexErrorSync(() => normalizeItem({ id: '', vector: [1, 0] }, ctx), 'INVALID_ID');
    expect(expectVecdexErrorSync(() => normalizeItem({ id: 'a' }, ctx), 'INVALID_VECTOR').message).toBe(
      'item "a": has no vector',
    );
    expect(expectVecdexErrorSync(() => normalizeItem({ id: 'a', vector: [1] }, ctx), 'DIMENSION_MISMATCH').message).toContain(
      'item "a"',
    );
    expect(expectVecdexErrorSync(() => normalizeItem({ id: 'a', vector: [1, 0], content: 5 }, ctx), 'INVALID_ITEM').message).toBe(
      'item "a": content must be a string',
    );
    expect(
      expectVecdexErrorSync(() => normalizeItem({ id: 'a', vector: [1, 0], metadata: [1] }, ctx), 'INVALID_ITEM').message,
    ).toContain('metadata must be a JSON object');
  });
});

describe('normalizeMetadata', () => {
  it('returns null and plain objects as given', () => {
    expect(normalizeMetadata(null)).toBeNull();
    const md = { a: 1, b: [true, null, 'x', { c: -2.5 }], d: { e: {} } };
    expect(normalizeMetadata(md)).toBe(md);
  });

  it('accepts a null-prototype object', () => {
    const md = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(normalizeMetadata(md)).toBe(md);
    expect(normalizeMetadata({ nested: md })).toEqual({ nested: md });
  });

  it('refuses non-objects', () => {
    for (const v of ['x', 5, true, [1, 2], new Float32Array(1), undefined]) {
      expect(expectVecdexErrorSync(() => normalizeMetadata(v, 'a'), 'INVALID_ITEM').message).toContain(
        'item "a": metadata must be a JSON object',
      );
    }
  });

  it('refuses non-finite numbers, naming where', () => {
    expect(expectVecdexErrorSync(() => normalizeMetadata({ score: Number.NaN }), 'INVALID_ITEM').message).toBe(
      'item: metadata.score is NaN; JSON numbers must be finite',
    );
    expect(
      expectVecdexErrorSync(() => normalizeMetadata({ a: { b: [1, Number.POSITIVE_INFINITY] } }, 'x'), 'INVALID_ITEM').message,
    ).toBe('item "x": metadata.a.b[1] is Infinity; JSON numbers must be finite');
  });

  it('refuses class instances and other non-JSON values', () => {
    expect(expectVecdexErrorSync(() => normalizeMetadata({ when: new Date(0) }), 'INVALID_ITEM').message).toContain(
      'metadata.when is not JSON (a Date)',
    );
    expect(expectVecdexErrorSync(() => normalizeMetadata(new Date(0)), 'INVALID_ITEM').message).toContain(
      'metadata is not JSON (a Date)',
    );
    class Point {
      x = 1;
    }
    expect(expectVecdexErrorSync(() => normalizeMetadata({ p: new Point() }), 'INVALID_ITEM').message).toContain('(a Point)');
    expect(expectVecdexErrorSync(() => normalizeMetadata({ m: new Map() }), 'INVALID_ITEM').message).toContain('(a Map)');
    expect(expectVecdexErrorSync(() => normalizeMetadata({ list: [new Set()] }), 'INVALID_ITEM').message).toContain(
      'metadata.list[0]',
    );
    expect(expectVecdexErrorSync(() => normalizeMetadata({ u: undefined }), 'INVALID_ITEM').message).toContain(
      'metadata.u is not JSON',
    );
    expect(expectVecdexErrorSync(() => normalizeMetadata({ f: () => 1 }), 'INVALID_ITEM').message).toContain('function');
    expect(expectVecdexErrorSync(() => normalizeMetadata({ n: 1n }), 'INVALID_ITEM').message).toContain('bigint');
  });

  it('refuses cycles and deep nesting without overflowing the stack', () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(expectVecdexErrorSync(() => normalizeMetadata(cyc), 'INVALID_ITEM').message).toContain('nests deeper than 32 levels');
    let deep: unknown = 1;
    for (let i = 0; i < 32; i++) deep = { d: deep };
    expect(normalizeMetadata(deep)).toBe(deep);
    expectVecdexErrorSync(() => normalizeMetadata({ d: deep }), 'INVALID_ITEM');
  });

  it('limits the JSON size in UTF-8 bytes: 64 KiB passes, one byte more fails', () => {
    expect(MAX_METADATA_BYTES).toBe(65536);
    const overhead = JSON.stringify({ k: '' }).length; // {"k":""}
    expect(normalizeMetadata({ k: 'x'.repeat(65536 - overhead) })).not.toBeNull();
    const err = expectVecdexErrorSync(() => normalizeMetadata({ k: 'x'.repeat(65537 - overhead) }, 'big'), 'INVALID_ITEM');
    expect(err.message).toBe('item "big": metadata is 65537 bytes; the limit is 65536');
    // bytes, not characters: 32765 two-byte characters are 65530 bytes
    const multi = expectVecdexErrorSync(() => normalizeMetadata({ k: 'é'.repeat(32765) }), 'INVALID_ITEM');
    expect(multi.message).toContain('metadata is 65538 bytes');
  });
});

describe('validateK', () => {
  it('accepts integers from 1 to 10000', () => {
    expect(MAX_K).toBe(10_000);
    expect(validateK(1)).toBe(1);
    expect(validateK(10_000)).toBe(10_000);
  });
  it('refuses everything else', () => {
    for (const k of [0, -1, 10_001, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', null, 2 ** 32 + 1]) {
      const err = expectVecdexErrorSync(() => validateK(k), 'INVALID_ARGUMENT');
      expect(err.message).toMatch(/^k must be an integer from 1 to 10000, got /);
    }
    expect(expectVecdexErrorSync(() => validateK(-1), 'INVALID_ARGUMENT').message).toBe(
      'k must be an integer from 1 to 10000, got -1',
    );
    expect(expectVecdexErrorSync(() => validateK('5'), 'INVALID_ARGUMENT').message).toContain('got "5"');
  });
});

describe('validateName', () => {
  it('accepts 1-64 characters of [A-Za-z0-9_.-] starting with a letter or digit', () => {
    for (const n of ['a', 'docs', 'Docs_v2.1-x', '9lives', 'a'.repeat(64)]) expect(validateName('collection', n)).toBe(n);
  });
  it('refuses everything else', () => {
    for (const n of ['', 'a'.repeat(65), '_x', '-x', '.x', 'a b', 'a/b', 'é', 'a\n', 'a"b', 5, null]) {
      const err = expectVecdexErrorSync(() => validateName('index', n), 'INVALID_NAME');
      expect(err.message).toMatch(/^invalid index name /);
      expect(err.details.kind).toBe('index');
    }
  });
});

describe("core's reserved collection names", () => {
  const cache = cacheCollectionName('hashing-512', 512);
  it('validateName (the rule a store must accept) takes the embedding cache collections', () => {
    expect(cache).toMatch(/^_vecdex\.cache\.[0-9a-f]{16}$/);
    expect(validateName('collection', cache)).toBe(cache);
    expect(validateCollectionSpec({ name: cache, dimensions: 3 }, { metrics: ['cosine'], maxDimensions: 10 }, 'fake').name).toBe(
      cache,
    );
    for (const n of ['_vecdex.', '_vecdexx', `_vecdex.${'a'.repeat(57)}`, '_other.cache']) {
      expectVecdexErrorSync(() => validateName('collection', n), 'INVALID_NAME');
    }
    expectVecdexErrorSync(() => validateName('index', cache), 'INVALID_NAME');
  });
  it('names users give are refused in that form, saying it is reserved', () => {
    const err = expectVecdexErrorSync(() => validateUserName('collection', cache), 'INVALID_NAME');
    expect(err.message).toContain('reserved');
    expect(validateUserName('collection', 'docs')).toBe('docs');
  });
});

describe('validateCollectionSpec', () => {
  const caps: BackendCapabilities = { metrics: ['cosine', 'l2'], maxDimensions: 2000 };

  it('fills defaults', () => {
    expect(validateCollectionSpec({ name: 'docs', dimensions: 3 }, caps, 'fake')).toEqual({
      name: 'docs',
      dimensions: 3,
      metric: 'cosine',
      model: null,
    });
    expect(validateCollectionSpec({ name: 'd', dimensions: 2000, metric: 'l2', model: 'm-1' }, caps, 'fake')).toEqual({
      name: 'd',
      dimensions: 2000,
      metric: 'l2',
      model: 'm-1',
    });
  });

  it('refuses a spec that is not an object', () => {
    expectVecdexErrorSync(() => validateCollectionSpec(null, caps, 'fake'), 'INVALID_ARGUMENT');
    expectVecdexErrorSync(() => validateCollectionSpec('docs', caps, 'fake'), 'INVALID_ARGUMENT');
  });

  it('applies the name rule', () => {
    expectVecdexErrorSync(() => validateCollectionSpec({ name: 'bad name', dimensions: 3 }, caps, 'fake'), 'INVALID_NAME');
    expectVecdexErrorSync(() => validateCollectionSpec({ dimensions: 3 }, caps, 'fake'), 'INVALID_NAME');
  });

  it('dimensions must be an integer within the backend maximum', () => {
    expect(validateCollectionSpec({ name: 'd', dimensions: 1 }, caps, 'fake').dimensions).toBe(1);
    for (const dims of [0, 2001, 1.5, '3', undefined, -3]) {
      const err = expectVecdexErrorSync(
        () => validateCollectionSpec({ name: 'd', dimensions: dims }, caps, 'fake'),
        'INVALID_ARGUMENT',
      );
      expect(err.message).toContain('dimensions must be an integer from 1 to 2000 (backend "fake")');
    }
    // the maximum comes from the capabilities, not a constant
    expectVecdexErrorSync(
      () => validateCollectionSpec({ name: 'd', dimensions: 17 }, { metrics: ['l2'], maxDimensions: 16 }, 'tiny'),
      'INVALID_ARGUMENT',
    );
  });

  it('an unknown metric lists every metric', () => {
    const err = expectVecdexErrorSync(
      () => validateCollectionSpec({ name: 'd', dimensions: 3, metric: 'hamming' }, caps, 'fake'),
      'UNSUPPORTED_METRIC',
    );
    expect(err.message).toBe('metric "hamming" is not supported; use one of: cosine, l2, ip, l1');
    expectVecdexErrorSync(
      () => validateCollectionSpec({ name: 'd', dimensions: 3, metric: 'COSINE' }, caps, 'fake'),
      'UNSUPPORTED_METRIC',
    );
    expectVecdexErrorSync(
      () => validateCollectionSpec({ name: 'd', dimensions: 3, metric: 5 }, caps, 'fake'),
      'UNSUPPORTED_METRIC',
    );
  });

  it('a metric the backend lacks names the backend and what it supports', () => {
    const err = expectVecdexErrorSync(
      () => validateCollectionSpec({ name: 'd', dimensions: 3, metric: 'ip' }, caps, 'fake'),
      'UNSUPPORTED_METRIC',
    );
    expect(err.message).toBe('metric "ip" is not supported by backend "fake"; use one of: cosine, l2');
  });

  it('model must be a short non-empty string or null', () => {
    for (const model of ['', 'm'.repeat(257), 5]) {
      expectVecdexErrorSync(() => validateCollectionSpec({ name: 'd', dimensions: 3, model }, caps, 'fake'), 'INVALID_ARGUMENT');
    }
    expect(validateCollectionSpec({ name: 'd', dimensions: 3, model: 'm'.repeat(256) }, caps, 'fake').model).toHaveLength(256);
  });
});
