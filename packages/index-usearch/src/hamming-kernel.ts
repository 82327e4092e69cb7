/**
 * Hamming distances of packed sign bits in WebAssembly (`i64.popcnt`, one machine instruction a
 * 64-bit word; the JS SWAR popcount it replaces was ~2.5× slower). The codes live in the module's
 * memory (no copy per query): `rows` of `words64` 64-bit words at `codesOffset`, the query in the
 * first page, distances written as u16 after the codes' capacity.
 *
 * The module is 1 function, assembled here from its bytes (WAT in the comment below), so there is
 * no build step and no file to load:
 *
 *   (func (export "scan") (param $codes i32) (param $rows i32) (param $words i32) (param $query i32) (param $out i32)
 *     for r in 0..rows: s = Σ_j popcnt(load64(codes + 8(r·words + j)) xor load64(query + 8j)); store16(out + 2r, s))
 */
const PAGE = 65536;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

function moduleBytes(): Uint8Array {
  const code = [
    // locals: r(5) j(6) p(7) qp(8): i32; s(9): i64
    0x02,
    0x04,
    0x7f,
    0x01,
    0x7e,
    0x20,
    0x00,
    0x21,
    0x07, // p = codes
    0x41,
    0x00,
    0x21,
    0x05, // r = 0
    0x02,
    0x40,
    0x03,
    0x40, // block loop
    0x20,
    0x05,
    0x20,
    0x01,
    0x4f,
    0x0d,
    0x01, // if r >= rows break
    0x42,
    0x00,
    0x21,
    0x09, // s = 0
    0x20,
    0x03,
    0x21,
    0x08, // qp = query
    0x41,
    0x00,
    0x21,
    0x06, // j = 0
    0x02,
    0x40,
    0x03,
    0x40, // block loop
    0x20,
    0x06,
    0x20,
    0x02,
    0x4f,
    0x0d,
    0x01, // if j >= words break
    0x20,
    0x09,
    0x20,
    0x07,
    0x29,
    0x03,
    0x00,
    0x20,
    0x08,
    0x29,
    0x03,
    0x00, // s, load64 p, load64 qp
    0x85,
    0x7b,
    0x7c,
    0x21,
    0x09, // s += popcnt(xor)
    0x20,
    0x07,
    0x41,
    0x08,
    0x6a,
    0x21,
    0x07, // p += 8
    0x20,
    0x08,
    0x41,
    0x08,
    0x6a,
    0x21,
    0x08, // qp += 8
    0x20,
    0x06,
    0x41,
    0x01,
    0x6a,
    0x21,
    0x06, // j++
    0x0c,
    0x00,
    0x0b,
    0x0b, // br loop; end; end
    0x20,
    0x04,
    0x20,
    0x05,
    0x41,
    0x01,
    0x74,
    0x6a, // out + 2r
    0x20,
    0x09,
    0x3d,
    0x01,
    0x00, // store16 s
    0x20,
    0x05,
    0x41,
    0x01,
    0x6a,
    0x21,
    0x05, // r++
    0x0c,
    0x00,
    0x0b,
    0x0b, // br loop; end; end
    0x0b, // end function
  ];
  const text = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(2, [0x01, ...text('env'), ...text('mem'), 0x02, 0x00, 0x01]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...text('scan'), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(code.length), ...code]),
  ]);
}

/** The part of the WebAssembly global used here (this package's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type ScanFn = (codes: number, rows: number, words: number, query: number, out: number) => void;
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: { scan: ScanFn } };
}
const WASM = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

let compiled: object | null = null;

/** One flat index's codes in WebAssembly memory, and the scan over them. */
export class HammingKernel {
  /** Where the codes start (the first page holds the query). */
  static readonly codesOffset = PAGE;
  readonly memory: WasmMemory;
  readonly #scan: ScanFn;
  #capacityBytes = 0;

  constructor() {
    compiled ??= new WASM.Module(moduleBytes());
    this.memory = new WASM.Memory({ initial: 2 });
    const instance = new WASM.Instance(compiled, { env: { mem: this.memory } });
    this.#scan = instance.exports.scan;
  }

  /** Room for `bytes` of codes plus 2 bytes a row of distances for `rows` rows; growing keeps the codes. */
  reserve(bytes: number, rows: number): void {
    const need = PAGE + bytes + rows * 2;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    this.#capacityBytes = bytes;
  }

  /** Distances from `query` (64-bit words as pairs of u32) to the first `rows` rows of `words64` words. */
  scan(rows: number, words64: number, query: Uint32Array): Uint16Array {
    new Uint32Array(this.memory.buffer, 0, query.length).set(query);
    const out = PAGE + this.#capacityBytes;
    this.#scan(PAGE, rows, words64, 0, out);
    return new Uint16Array(this.memory.buffer, out, rows);
  }
}
