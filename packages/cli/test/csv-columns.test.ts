import { describe, expect, it } from 'vitest';
import { inferValue, itemFromRow, layoutFromHeader } from '../src/import/csv-columns.js';

describe('CSV column mapping', () => {
  it('maps id, vector, content and the remaining columns to metadata', () => {
    const layout = layoutFromHeader(['id', 'vector', 'content', 'lang', 'year'], {});
    expect(itemFromRow(['a', '[1,2]', 'text', 'en', '2020'], layout, {})).toEqual({
      id: 'a',
      vector: [1, 2],
      content: 'text',
      metadata: { lang: 'en', year: 2020 },
    });
  });

  it('reads numbered vector columns in numeric order, wherever they sit', () => {
    const header = ['v10', 'id', ...Array.from({ length: 10 }, (_, i) => `v${i}`)];
    const layout = layoutFromHeader(header, { vectorColumns: 'v' });
    const row = ['10', 'x', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    expect(itemFromRow(row, layout, {}).vector).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(() => layoutFromHeader(['id', 'v0', 'v2'], { vectorColumns: 'v' })).toThrow(/v1 is missing/);
  });

  it('restricts metadata to --metadata-columns and checks they exist', () => {
    const layout = layoutFromHeader(['id', 'vector', 'a', 'b'], { metadataColumns: ['b'] });
    expect(itemFromRow(['x', '[1]', '1', '2'], layout, {}).metadata).toEqual({ b: 2 });
    expect(() => layoutFromHeader(['id', 'vector'], { metadataColumns: ['nope'] })).toThrow(/not in the header/);
    expect(() => layoutFromHeader(['id', 'vector'], { metadataColumns: ['id'] })).toThrow(/id, vector or content/);
  });

  it('explains a missing id or vector column and repeated names', () => {
    expect(() => layoutFromHeader(['name', 'vector'], {})).toThrow(/no "id" column/);
    expect(() => layoutFromHeader(['id', 'embedding'], {})).toThrow(/--vector-columns/);
    expect(() => layoutFromHeader(['id', 'vector', 'id'], {})).toThrow(/twice/);
  });

  it('infers numbers and booleans conservatively, or not at all when asked', () => {
    expect(inferValue('42')).toBe(42);
    expect(inferValue('-1.5e3')).toBe(-1500);
    expect(inferValue('true')).toBe(true);
    expect(inferValue('01234')).toBe('01234');
    expect(inferValue('12345678901234567890')).toBe('12345678901234567890');
    expect(inferValue('1,000')).toBe('1,000');
    expect(inferValue(' 7')).toBe(' 7');
    const layout = layoutFromHeader(['id', 'vector', 'n'], {});
    expect(itemFromRow(['x', '[1]', '42'], layout, { inferTypes: false }).metadata).toEqual({ n: '42' });
  });

  it('treats empty content and metadata cells as absent', () => {
    const layout = layoutFromHeader(['id', 'vector', 'content', 'tag'], {});
    expect(itemFromRow(['x', '[1]', '', ''], layout, {})).toEqual({ id: 'x', vector: [1], metadata: {} });
  });
});
