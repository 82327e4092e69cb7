// What the docs' fragments take as already there: an open store, a collection, query vectors and
// the items or records a sentence before them talks about. Anything else a sample uses it must
// import or declare itself.
import type { Collection, Vecdex } from '@vecdex/core';

declare global {
  const vx: Vecdex;
  const docs: Collection;
  const q: Float32Array;
  const vector: number[];
  const queryVector: number[];
  const moreItems: { id: string; vector: number[] }[];
  const records: { id: string; text: string }[];
}
