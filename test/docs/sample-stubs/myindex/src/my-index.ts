// The index docs/writing-plugins.md leaves to the reader.
import type { IndexContext, VectorIndex } from '@vecdex/core';

export declare class MyIndex implements VectorIndex {
  constructor(context: IndexContext);
}
export interface MyIndex extends VectorIndex {}
