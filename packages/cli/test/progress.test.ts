import { describe, expect, it } from 'vitest';
import { Progress, formatDuration, renderProgress } from '../src/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 100, write: (s: string) => chunks.push(s) };
}

describe('Progress', () => {
  it('renders bar, percentage, count/total, rate and ETA', () => {
    const line = renderProgress({ label: 'importing', done: 2500, total: 10_000, elapsedMs: 1000, width: 100 });
    expect(line).toMatch(/^importing \[#+-+\]\s+25% 2,500\/10,000 2500\/s ETA 0:03$/);
  });

  it('draws nothing when the stream is not a terminal', () => {
    const s = stream(false);
    const p = new Progress({ stream: s, enabled: true, label: 'x', total: 10 });
    p.update(5);
    p.finish();
    expect(s.chunks).toEqual([]);
  });

  it('draws nothing when disabled (--json, --quiet)', () => {
    const s = stream(true);
    const p = new Progress({ stream: s, enabled: false, label: 'x', total: 10 });
    p.update(5);
    p.finish();
    expect(s.chunks).toEqual([]);
  });

  it('redraws at most ten times a second and clears its line at the end', () => {
    let now = 0;
    const s = stream(true);
    const p = new Progress({ stream: s, enabled: true, label: 'x', total: 100, now: () => now });
    for (let i = 1; i <= 100; i++) {
      now += 5; // 500 ms in all
      p.update(i);
    }
    expect(s.chunks.length).toBeGreaterThanOrEqual(4);
    expect(s.chunks.length).toBeLessThanOrEqual(6);
    p.finish();
    expect(s.chunks.at(-1)).toBe('\r\x1b[K');
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});
