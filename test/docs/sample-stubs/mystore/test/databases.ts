// The throwaway databases packages/core/README.md's conformance test leaves to the reader.
export declare function makeEmptyDatabase(): Promise<string>;
export declare function dropDatabase(url: string): Promise<void>;
