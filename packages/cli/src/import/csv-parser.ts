/**
 * A small streaming RFC 4180 parser: comma-separated fields, fields quoted with `"` may hold
 * commas, line breaks and doubled quotes (`""`), records end with CRLF or LF. Feed it text in any
 * chunks; it returns each record once complete, with the line it starts on, so errors can point
 * at the right place even when a quoted field spans lines.
 *
 * Deliberately lenient in one way: a `"` inside an unquoted field is kept as a character
 * (`5" disk`). Deliberately strict in another: text after a closing quote (`"a"b`) and a quote
 * left open at the end of input are errors, since both usually mean a broken file.
 *
 * ```ts
 * const p = new CsvParser()
 * p.push('id,text\r\n1,"a, ""b"""\r\n') // [{ line: 1, fields: ['id', 'text'] }, { line: 2, fields: ['1', 'a, "b"'] }]
 * p.end() // []
 * ```
 */

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number;
  fields: string[];
}

/** A syntax error, with the 1-based line and column where it was found. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
    this.column = column;
  }
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

export class CsvParser {
  #state: State = 'fieldStart';
  #field = '';
  #fields: string[] = [];
  #line = 1;
  #column = 0;
  #recordLine = 1;
  #pendingCr = false;
  #quoteLine = 1;
  #quoteColumn = 1;
  #ended = false;

  /** Parse more text; returns the records it completed. */
  push(text: string): CsvRecord[] {
    if (this.#ended) throw new Error('CsvParser.push() after end()');
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (ch === '\n') {
          // The LF of a CRLF: the line was already counted; inside quotes it is part of the value.
          if (this.#state === 'quoted') this.#field += '\n';
          continue;
        }
      }
      this.#column++;
      switch (this.#state) {
        case 'quoted':
          if (ch === '"') this.#state = 'quoteInQuoted';
          else {
            this.#field += ch;
            if (ch === '\n' || ch === '\r') this.#newline(ch);
          }
          break;
        case 'quoteInQuoted':
          if (ch === '"') {
            this.#field += '"';
            this.#state = 'quoted';
          } else if (ch === ',') this.#endField();
          else if (ch === '\n' || ch === '\r') this.#endRecord(ch, out);
          else {
            throw new CsvSyntaxError(
              `unexpected ${JSON.stringify(ch)} after a closing quote (a quote inside a quoted field is written "")`,
              this.#line,
              this.#column,
            );
          }
          break;
        default:
          if (ch === ',') this.#endField();
          else if (ch === '\n' || ch === '\r') this.#endRecord(ch, out);
          else if (ch === '"' && this.#state === 'fieldStart') {
            this.#state = 'quoted';
            this.#quoteLine = this.#line;
            this.#quoteColumn = this.#column;
          } else {
            this.#field += ch;
            this.#state = 'unquoted';
          }
      }
    }
    return out;
  }

  /** Finish: returns the last record if the input did not end with a line break. */
  end(): CsvRecord[] {
    if (this.#ended) return [];
    this.#ended = true;
    if (this.#state === 'quoted') {
      throw new CsvSyntaxError('a quoted field is never closed (missing ")', this.#quoteLine, this.#quoteColumn);
    }
    const out: CsvRecord[] = [];
    if (this.#state !== 'fieldStart' || this.#fields.length > 0 || this.#field !== '') {
      this.#endField();
      this.#emit(out);
    }
    return out;
  }

  #endField(): void {
    this.#fields.push(this.#field);
    this.#field = '';
    this.#state = 'fieldStart';
  }

  #endRecord(ch: string, out: CsvRecord[]): void {
    this.#endField();
    this.#emit(out);
    this.#newline(ch);
    this.#recordLine = this.#line;
  }

  #emit(out: CsvRecord[]): void {
    const fields = this.#fields;
    this.#fields = [];
    // A blank line is one empty field: skip it rather than report a short record.
    if (fields.length === 1 && fields[0] === '') return;
    out.push({ line: this.#recordLine, fields });
  }

  #newline(ch: string): void {
    this.#line++;
    this.#column = 0;
    if (ch === '\r') this.#pendingCr = true;
  }
}

/** Parse a whole CSV text at once (tests, small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const p = new CsvParser();
  return [...p.push(text), ...p.end()];
}
