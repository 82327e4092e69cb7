import type { GlobalOptions } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { printJson } from './print-json.js';

/**
 * Where command output goes. Results go to stdout, as JSON with `--json` (and then nothing else
 * is written there); notes and warnings go to stderr and are silenced by `--quiet` (notes also by
 * `--json`), so stdout stays clean for pipes.
 */
export class Reporter {
  readonly #io: CliIo;
  readonly #globals: GlobalOptions;

  constructor(io: CliIo, globals: GlobalOptions) {
    this.#io = io;
    this.#globals = globals;
  }

  /** A command's result: `json` with `--json`, else the human text (always printed). */
  data(json: unknown, text: () => string): void {
    if (this.#globals.json) printJson(this.#io.stdout, json);
    else this.#write(text());
  }

  /** A confirmation ("created collection ..."): `json` with `--json`, else the text unless `--quiet`. */
  done(json: unknown, text: () => string): void {
    if (this.#globals.json) printJson(this.#io.stdout, json);
    else if (!this.#globals.quiet) this.#write(text());
  }

  /** A side remark on stderr, for people only. */
  note(text: string): void {
    if (!this.#globals.json && !this.#globals.quiet) this.#io.stderr.write(`${text}\n`);
  }

  /** Something the user should know even in JSON mode; silenced only by `--quiet`. */
  warn(text: string): void {
    if (!this.#globals.quiet) this.#io.stderr.write(`vecdex: warning: ${text}\n`);
  }

  #write(text: string): void {
    if (text === '') return;
    this.#io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
