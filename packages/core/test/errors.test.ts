import { describe, expect, it } from 'vitest';
import { describeValue, errors, isVecdexError, parseFilter, VecdexError } from '../src/index.js';
import { DIST_INDEX } from './helpers.js';

const BRAND = Symbol.for('vecdex.error');

describe('VecdexError', () => {
  it('is an Error with a name, a code, a message and details', () => {
    const err = new VecdexError('INVALID_ID', 'bad id', { details: { id: 5 } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('VecdexError');
    expect(err.code).toBe('INVALID_ID');
    expect(err.message).toBe('bad id');
    expect(err.details).toEqual({ id: 5 });
    expect(String(err)).toBe('VecdexError: bad id');
    expect(err.stack).toContain('bad id');
  });

  it('defaults details to {} and sets no cause unless given', () => {
    const err = new VecdexError('STORE_CLOSED', 'closed');
    expect(err.details).toEqual({});
    expect('cause' in err).toBe(false);
  });

  it('keeps the cause', () => {
    const inner = new Error('ECONNREFUSED');
    const err = new VecdexError('BACKEND_FAILURE', 'cannot reach the database', { cause: inner });
    expect(err.cause).toBe(inner);
    const nonError = new VecdexError('BACKEND_FAILURE', 'x', { cause: 'a string cause' });
    expect(nonError.cause).toBe('a string cause');
  });

  it('carries the shared brand symbol', () => {
    const err = new VecdexError('INVALID_ID', 'x');
    expect(Object.getOwnPropertySymbols(err)).toContain(BRAND);
  });
});

describe('isVecdexError', () => {
  it('recognises vecdex errors, optionally of one code', () => {
    const err = new VecdexError('DIMENSION_MISMATCH', 'x');
    expect(isVecdexError(err)).toBe(true);
    expect(isVecdexError(err, 'DIMENSION_MISMATCH')).toBe(true);
    expect(isVecdexError(err, 'INVALID_VECTOR')).toBe(false);
  });

  it('recognises errors thrown by core functions', () => {
    let caught: unknown;
    try {
      parseFilter({ a: { $bad: 1 } });
    } catch (e) {
      caught = e;
    }
    expect(isVecdexError(caught, 'INVALID_FILTER')).toBe(true);
  });

  it('works across copies of the package, where instanceof does not', async () => {
    const other = (await import(DIST_INDEX)) as typeof import('../src/index.js');
    expect(other.VecdexError).not.toBe(VecdexError);
    const foreign = new other.VecdexError('UNKNOWN_COLLECTION', 'from the other copy');
    expect(foreign instanceof VecdexError).toBe(false);
    expect(isVecdexError(foreign)).toBe(true);
    expect(isVecdexError(foreign, 'UNKNOWN_COLLECTION')).toBe(true);
    expect(isVecdexError(foreign, 'COLLECTION_EXISTS')).toBe(false);
    expect(other.isVecdexError(new VecdexError('INVALID_ID', 'x'), 'INVALID_ID')).toBe(true);
  });

  it('recognises any object carrying Symbol.for("vecdex.error"), including a spread copy', () => {
    const copy = { [BRAND]: true, code: 'CONFIG_INVALID', message: 'm' };
    expect(isVecdexError(copy)).toBe(true);
    expect(isVecdexError(copy, 'CONFIG_INVALID')).toBe(true);
    expect(isVecdexError(copy, 'CONFIG_NOT_FOUND')).toBe(false);
    const spread = { ...new VecdexError('INVALID_NAME', 'x') };
    expect(isVecdexError(spread, 'INVALID_NAME')).toBe(true);
  });

  it('rejects everything else', () => {
    const lookalike = Object.assign(new Error('x'), { code: 'INVALID_ID', name: 'VecdexError' });
    for (const v of [lookalike, { code: 'INVALID_ID' }, { [Symbol('vecdex.error')]: true }, null, undefined, 'VecdexError', 42]) {
      expect(isVecdexError(v)).toBe(false);
    }
  });
});

describe('error factories', () => {
  it('dimensionMismatch names the item or the query, and both sizes', () => {
    const q = errors.dimensionMismatch('docs', 3, 4);
    expect(q.code).toBe('DIMENSION_MISMATCH');
    expect(q.message).toBe('query vector has 4 dimensions but collection "docs" expects 3');
    expect(q.details).toEqual({ collection: 'docs', expected: 3, actual: 4, id: undefined });
    expect(errors.dimensionMismatch('docs', 3, 4, 'a').message).toBe('item "a" has 4 dimensions but collection "docs" expects 3');
  });

  it('unknownCollection lists at most ten existing collections', () => {
    const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
    const err = errors.unknownCollection('x', names);
    expect(err.code).toBe('UNKNOWN_COLLECTION');
    expect(err.message).toContain('(existing: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9)');
    expect(err.message).not.toContain('c10');
    expect(errors.unknownCollection('x').message).toContain('(there are no collections yet)');
  });

  it('unsupportedMetric names the backend when given', () => {
    expect(errors.unsupportedMetric('dot', ['l2'], 'sqlitevec').message).toBe(
      'metric "dot" is not supported by backend "sqlitevec"; use one of: l2',
    );
    expect(errors.unsupportedMetric(7, ['l2']).message).toBe('metric 7 is not supported; use one of: l2');
  });

  it('invalidArgument and invalidName describe the bad value safely', () => {
    expect(errors.invalidArgument('k', 'a number', [1, 2]).message).toBe('k must be a number, got an array of length 2');
    expect(errors.invalidName('collection', 'a b').details).toEqual({ kind: 'collection', name: 'a b' });
    expect(errors.notSupported('keyword search', 'faiss').message).toBe('keyword search is not supported by backend "faiss"');
  });

  it('describeValue truncates long strings and names types', () => {
    expect(describeValue('x'.repeat(100))).toBe(JSON.stringify(`${'x'.repeat(77)}...`));
    expect(describeValue('short')).toBe('"short"');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(new Float32Array(2))).toBe('a Float32Array');
    expect(describeValue({ secret: 'x' })).toBe('a value of type object');
    expect(describeValue(1n)).toBe('a value of type bigint');
  });
});
