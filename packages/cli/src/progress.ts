import type { CliStream } from './cli-io.js';

const REDRAW_MS = 100;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  /** Where to draw (stderr). Nothing is drawn unless it is a terminal and `enabled`. */
  stream: CliStream;
  /** False with `--json` or `--quiet`. */
  enabled: boolean;
  /** Text before the bar, e.g. `importing`. */
  label: string;
  /** Total items; without it a spinner with the running count is shown. */
  total?: number;
  /** Word after the count in spinner mode (default `items`). */
  unit?: string;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A one-line progress display on stderr: bar, percentage, count/total, rate and ETA, redrawn at
 * most ten times a second. When stderr is not a terminal (piped, CI logs) it draws nothing at all,
 * so logs carry no escape codes.
 *
 * ```ts
 * const bar = new Progress({ stream: process.stderr, enabled: true, label: 'importing', total: 10_000 })
 * bar.update(2500); bar.finish()
 * ```
 */
export class Progress {
  readonly #stream: CliStream;
  readonly #active: boolean;
  readonly #label: string;
  readonly #total: number | undefined;
  readonly #unit: string;
  readonly #now: () => number;
  readonly #start: number;
  #done = 0;
  #lastDraw: number;
  #frame = 0;
  #drawn = false;

  constructor(options: ProgressOptions) {
    this.#stream = options.stream;
    this.#active = options.enabled && options.stream.isTTY === true;
    this.#label = options.label;
    this.#total = options.total;
    this.#unit = options.unit ?? 'items';
    this.#now = options.now ?? Date.now;
    this.#start = this.#now();
    // The first draw waits a tenth of a second too, so quick operations show nothing at all.
    this.#lastDraw = this.#start;
  }

  /** Whether anything is being drawn. */
  get active(): boolean {
    return this.#active;
  }

  /** Add `n` finished items. */
  tick(n = 1): void {
    this.update(this.#done + n);
  }

  /** Set the number of finished items; redraws when the last draw is old enough. */
  update(done: number): void {
    this.#done = done;
    if (!this.#active) return;
    const now = this.#now();
    if (now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#draw(now);
  }

  /** Clear the line, leaving the terminal as it was. */
  finish(): void {
    if (this.#active && this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  #draw(now: number): void {
    const line = renderProgress({
      label: this.#label,
      done: this.#done,
      total: this.#total,
      elapsedMs: now - this.#start,
      unit: this.#unit,
      frame: SPINNER[this.#frame++ % SPINNER.length] ?? '-',
      width: this.#stream.columns || 80,
    });
    this.#stream.write(`\r\x1b[K${line}`);
    this.#drawn = true;
  }
}

/** The text of one progress line (no escape codes), exported for tests. */
export function renderProgress(p: {
  label: string;
  done: number;
  total: number | undefined;
  elapsedMs: number;
  unit?: string;
  frame?: string;
  width?: number;
}): string {
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.done / secs : 0;
  const rateText = `${formatRate(rate)}/s`;
  if (p.total === undefined) {
    return `${p.frame ?? '-'} ${p.label} ${p.done.toLocaleString('en-US')} ${p.unit ?? 'items'} (${rateText})`;
  }
  const total = Math.max(p.total, 1);
  const ratio = Math.min(1, p.done / total);
  const eta = rate > 0 ? (p.total - p.done) / rate : Number.NaN;
  const tail = ` ${(ratio * 100).toFixed(0).padStart(3)}% ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${rateText} ETA ${formatDuration(eta)}`;
  const room = (p.width ?? 80) - p.label.length - tail.length - 4;
  const barWidth = Math.max(10, Math.min(30, room));
  const filled = Math.round(ratio * barWidth);
  return `${p.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`;
  if (rate >= 1e4) return `${(rate / 1e3).toFixed(0)}k`;
  return rate.toFixed(0);
}

/** `m:ss` or `h:mm:ss`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
