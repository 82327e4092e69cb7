import type { NativeFile } from './generation-files.js';

const CHUNK_BYTES = 8 << 20;

/**
 * Reads a native file front to back in large chunks, for checks that walk many small records
 * (link lists, nodes) before native code loads the file.
 *
 * ```ts
 * const reader = new SequentialReader(file, headerBytes)
 * const size = await reader.u32()            // null at the end of the file
 * const links = await reader.bytes(size)     // a Buffer view, valid until the next call
 * ```
 */
export class SequentialReader {
  readonly #file: NativeFile;
  #buffer: Buffer = Buffer.alloc(0);
  #bufferStart: number;
  /** Offset of the next byte to read. */
  position: number;

  constructor(file: NativeFile, start = 0) {
    this.#file = file;
    this.position = start;
    this.#bufferStart = start;
  }

  async u32(): Promise<number | null> {
    const b = await this.bytes(4);
    return b === null ? null : b.readUInt32LE(0);
  }

  /** The next `n` bytes, or null when the file ends first. */
  async bytes(n: number): Promise<Buffer | null> {
    if (this.position + n > this.#file.bytes) return null;
    let offset = this.position - this.#bufferStart;
    if (offset < 0 || offset + n > this.#buffer.length) {
      this.#buffer = await this.#file.read(this.position, Math.max(n, CHUNK_BYTES));
      this.#bufferStart = this.position;
      offset = 0;
      if (this.#buffer.length < n) return null;
    }
    this.position += n;
    return this.#buffer.subarray(offset, offset + n);
  }

  /** Move forward without reading (e.g. over a block of vectors). */
  skip(n: number): void {
    this.position += n;
  }
}
