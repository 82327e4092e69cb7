import { describe, expect, it } from 'vitest';
import { RowidSlots } from '../src/rowid-slots.js';
import { rng } from './helpers.js';

describe('RowidSlots', () => {
  it('answers like a Map through dense runs, gaps below and above, deletes, and the turn into a Map when sparse', () => {
    const r = rng(5);
    const slots = new RowidSlots();
    const want = new Map<number, number>();
    const check = () => {
      expect(slots.size).toBe(want.size);
      for (const [rowid, slot] of want) expect(slots.get(rowid)).toBe(slot);
      for (const rowid of [0, 1, 99, 5_000, 70_000, 10_000_000]) expect(slots.get(rowid)).toBe(want.get(rowid) ?? -1);
    };
    const put = (rowid: number, slot: number) => {
      slots.set(rowid, slot);
      want.set(rowid, slot);
    };
    for (let i = 0; i < 3000; i++) put(1000 + i, i); // a dense run
    for (let i = 0; i < 50; i++) put(500 - i, 3000 + i); // below it
    for (let i = 0; i < 500; i++) {
      const rowid = 1000 + Math.floor(r() * 3000);
      slots.delete(rowid);
      want.delete(rowid);
    }
    put(1200, 7); // replaced
    check();
    put(60_000, 9); // still within the table's room
    check();
    put(10_000_000, 11); // far too sparse: a Map from here on
    check();
    slots.delete(10_000_000);
    want.delete(10_000_000);
    put(3, 12);
    check();
  });
});
