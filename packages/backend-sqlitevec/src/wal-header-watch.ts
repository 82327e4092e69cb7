import fs from 'node:fs';

/** `sizeof(WalIndexHdr)`: SQLite keeps two copies of it at the start of the `-shm` file. */
const HEADER_BYTES = 48;
/** Offset of `isInit` in the header: 1 once the WAL-index holds a valid header. */
const IS_INIT = 12;

/**
 * Tells, with one 96-byte read, that no connection has committed to a WAL database since the last
 * look: the WAL-index header at the start of the database's `-shm` file. Every commit, in any
 * process, rewrites it (a change counter, the last frame, salts and a checksum), second copy first
 * and then the first; a reader that finds the copies unequal is looking at a write in progress.
 *
 * `unchanged()` is true only when both copies agree with each other and, byte for byte, with the
 * header seen at the previous call; anything else (a write in progress, a read error, the first
 * call) is "maybe changed", and the caller then asks SQLite (`PRAGMA data_version`). The header
 * is read *before* that question, so the answer SQLite gives is at least as new as the header
 * remembered, and an unchanged header later means the answer still holds.
 *
 * This replaces a read transaction per query (four lock calls on the `-shm`, three `stat`s and a
 * read, about 12 us) with one `pread`. It is used only where it holds: a file database in WAL mode
 * whose `-shm` file could be opened; otherwise `open` returns null and the caller asks SQLite
 * every time.
 */
export class WalHeaderWatch {
  readonly #fd: number;
  readonly #now = Buffer.alloc(2 * HEADER_BYTES);
  readonly #seen = Buffer.alloc(HEADER_BYTES);
  #haveSeen = false;
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Watch `<database>-shm`, or null when it cannot be opened (the caller asks SQLite instead). */
  static open(databaseFile: string): WalHeaderWatch | null {
    try {
      return new WalHeaderWatch(fs.openSync(`${databaseFile}-shm`, 'r'));
    } catch {
      return null;
    }
  }

  /**
   * True when nothing was committed since the previous call. When false, the header just read is
   * remembered (if both copies agreed) for the next call.
   */
  unchanged(): boolean {
    if (this.#closed) return false;
    const now = this.#now;
    let read: number;
    try {
      read = fs.readSync(this.#fd, now, 0, 2 * HEADER_BYTES, 0);
    } catch {
      this.#haveSeen = false;
      return false;
    }
    if (
      read !== 2 * HEADER_BYTES ||
      now[IS_INIT] !== 1 ||
      now.compare(now, HEADER_BYTES, 2 * HEADER_BYTES, 0, HEADER_BYTES) !== 0
    ) {
      this.#haveSeen = false;
      return false;
    }
    if (this.#haveSeen && now.compare(this.#seen, 0, HEADER_BYTES, 0, HEADER_BYTES) === 0) return true;
    now.copy(this.#seen, 0, 0, HEADER_BYTES);
    this.#haveSeen = true;
    return false;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      fs.closeSync(this.#fd);
    } catch {
      // Nothing to do: the descriptor was ours alone.
    }
  }
}
