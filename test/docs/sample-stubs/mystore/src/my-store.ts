// The store the docs leave to the reader ("MyStore implements StorageBackend").
import type { StorageBackend } from '@vecdex/core';

export interface MyStoreOptions {
  path?: string;
  url?: string;
  clock?: () => number;
}
export declare const MyStore: {
  open(options: MyStoreOptions, baseDir?: string): Promise<StorageBackend>;
};
