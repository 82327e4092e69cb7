import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, parseCsv } from '../src/import/csv-parser.js';

const rows = (text: string) => parseCsv(text).map((r) => r.fields);

describe('CsvParser (RFC 4180)', () => {
  it('splits plain fields and records, with LF or CRLF, with or without a final line break', () => {
    expect(rows('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(rows('a,b\r\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(rows('a,,c,\n')).toEqual([['a', '', 'c', '']]);
    expect(rows(',\n')).toEqual([['', '']]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(rows('"a,b","say ""hi""","x\r\ny","line\nbreak"\n')).toEqual([['a,b', 'say "hi"', 'x\r\ny', 'line\nbreak']]);
    expect(rows('"",""\n')).toEqual([['', '']]);
  });

  it('keeps a quote inside an unquoted field as a character', () => {
    expect(rows('5" disk,ok\n')).toEqual([['5" disk', 'ok']]);
  });

  it('skips blank lines', () => {
    expect(rows('a\n\n\r\nb\n\n')).toEqual([['a'], ['b']]);
  });

  it('reports the line each record starts on, counting line breaks inside quotes', () => {
    const recs = parseCsv('h1,h2\r\n"multi\r\nline",x\r\n\r\nlast,y\r\n');
    expect(recs.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it('gives the same result however the input is chunked', () => {
    const text = 'id,"q ""x"""\r\n"a\r\nb",2\r\n3,"4,5"\r\nlast,""""\r\n';
    const whole = parseCsv(text);
    for (let size = 1; size <= 7; size++) {
      const p = new CsvParser();
      const got = [];
      for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
      got.push(...p.end());
      expect(got, `chunks of ${size}`).toEqual(whole);
    }
  });

  it('refuses text after a closing quote, with line and column', () => {
    try {
      parseCsv('a,b\n"x"y,2\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CsvSyntaxError);
      expect((err as CsvSyntaxError).line).toBe(2);
      expect((err as CsvSyntaxError).column).toBe(4);
    }
  });

  it('refuses a quoted field that is never closed, pointing at its opening quote', () => {
    try {
      parseCsv('a,b\n1,"open\nmore\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CsvSyntaxError);
      expect((err as CsvSyntaxError).message).toMatch(/never closed/);
      expect((err as CsvSyntaxError).line).toBe(2);
      expect((err as CsvSyntaxError).column).toBe(3);
    }
  });
});
