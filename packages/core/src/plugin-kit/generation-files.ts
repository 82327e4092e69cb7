import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IndexVerification } from '../contracts/doctor-check.js';
import type { JsonValue } from '../model/item.js';
import {
  type FileRecord,
  abandonedTemp,
  describeFile,
  fsyncPath,
  readFileRecord,
  tmpName,
  writeFileAtomic,
} from './atomic-files.js';
import {
  type IndexExpectation,
  type IndexManifest,
  type ManifestFields,
  MAX_JOURNAL_FILES,
  checkCatalog,
  checkManifestShape,
  savedBytes,
} from './index-manifest.js';
import { LabelMap } from './label-map.js';
import type { PendingChanges } from './pending-changes.js';

const MAX_MANIFEST_BYTES = 1 << 20;

/** How a plugin's files are named and described. */
export interface GenerationLayout {
  /** `manifest.format`, e.g. `vecdex-hnswlib`; files of another format are never loaded. */
  format: string;
  formatVersion: number;
  /** Extension of the native file: `index.<generation>.<extension>`. */
  extension: string;
  /** The native library's name, for error messages ("hnswlib wrote an unexpected index file"). */
  library: string;
  /**
   * `buffer`: `verify` reads the native file into memory once, hashes those bytes and returns
   * them, so nothing can change between the check and the native read (for bindings that load
   * from a buffer). `path` (default): the file is hashed as a stream and its path returned (for
   * bindings that only read from a path; files may be larger than memory).
   */
  read?: 'path' | 'buffer';
}

/** The native file as a check sees it (after its size and sha256 were verified, on load). */
export interface NativeFile {
  path: string;
  bytes: number;
  /** The whole file, in `read: 'buffer'` layouts (the very bytes hashed). */
  data?: Buffer;
  /** Read `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A native file check: why the file is not what this index would write, or null. */
export type NativeFileCheck<M> = (
  file: NativeFile,
  context: { labels: LabelMap; manifest: M | null },
) => Promise<string | null> | string | null;

export type Verified<M extends IndexManifest> =
  | {
      ok: true;
      manifest: M;
      /** The label map as `files.labels` holds it: before the journals are replayed. */
      labels: LabelMap;
      indexFile: string;
      data?: Buffer;
      /** The journal files' bytes, checked against the manifest, in order (empty: none). */
      journal: Buffer[];
      /** Their paths, in the same order (for worker threads that replay them too). */
      journalFiles: string[];
    }
  | { ok: false; reason: string };

/** When a save may append a journal instead of writing the index whole (`GenerationFiles.journalFits`). */
export interface JournalBudget {
  /** Most journal files after this one (0: always write whole). */
  maxFiles: number;
  /**
   * Most seconds a load may spend replaying journals, as a multiple of the seconds the last
   * whole write took (default 4), but never less than `minSeconds` (default 1).
   */
  saveMultiple?: number;
  minSeconds?: number;
}

/**
 * One index's files in the directory core gives the plugin, saved as numbered generations:
 *
 * - `index.<gen>.<extension>`: the native library's own file;
 * - `labels.<gen>.json`: the label map (`LabelMap.toJSON()`);
 * - `journal.<gen>.<n>-<random>.bin`: changes applied since the index file was written whole
 *   (`appendJournal`, `encodeChanges`), replayed by the plugin on load, in order;
 * - `manifest.json`: format, generation, definition, shape, params, counts, the feed cursor,
 *   and the byte size and sha256 of every file, plus the plugin's own fields.
 *
 * `save` writes each file as a temporary file, fsyncs and renames it (the index file's fsync
 * runs beside its checksum pass), writes the manifest last,
 * fsyncs the directory, then removes other generations (leaving another live process's
 * temporary files alone). A crash at any point leaves the previous generation or the new one
 * complete and named by the manifest. `verify` checks everything before native code sees a
 * byte: a corrupt or crafted file must make `load` return false, never crash the process.
 *
 * ```ts
 * const files = new GenerationFiles<MyManifest>({ format: 'vecdex-myindex', formatVersion: 1, extension: 'bin', library: 'mylib' })
 * const manifest = await files.save(dir, { generation: await files.nextGeneration(dir), labels, fields, write: (f) => native.save(f) })
 * const v = await files.verify(dir, { expect, catalog: state, check: (file) => checkMyHeader(file) })
 * if (v.ok) native.load(v.indexFile)
 * ```
 */
export class GenerationFiles<M extends IndexManifest = IndexManifest> {
  readonly layout: Readonly<GenerationLayout>;
  readonly #index: RegExp;
  readonly #labels = /^labels\.\d+\.json$/;
  readonly #owned: RegExp;

  constructor(layout: GenerationLayout) {
    if (!/^[A-Za-z0-9]{1,16}$/.test(layout.extension)) throw new Error(`bad index file extension ${layout.extension}`);
    this.layout = Object.freeze({ ...layout });
    this.#index = new RegExp(`^index\\.\\d+\\.${layout.extension}$`);
    this.#owned = new RegExp(
      `^(index\\.\\d+\\.${layout.extension}|labels\\.\\d+\\.json|journal\\.\\d+\\.\\d{1,4}-[0-9a-f]{8}\\.bin|manifest\\.json)(\\.[\\w-]+\\.tmp|\\.tmp)?$`,
    );
  }

  /** The next generation number: one past anything in the directory, so names never collide. */
  async nextGeneration(directory: string): Promise<number> {
    let max = 0;
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      const m = /^(?:index|labels|journal)\.(\d+)\./.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max + 1;
  }

  /**
   * Save a generation: `write` writes the native file to the path it is given; `check` (run on
   * what was written, before it is renamed into place) catches a short or unexpected write.
   * `fields` is the manifest without what `save` fills in (a function is called after `check`).
   * Returns the manifest that now describes the directory.
   */
  async save(
    directory: string,
    options: {
      generation: number;
      labels: LabelMap;
      fields: ManifestFields<M> | (() => ManifestFields<M>);
      write: (file: string) => Promise<unknown> | unknown;
      check?: NativeFileCheck<M>;
    },
  ): Promise<M> {
    const { generation, labels } = options;
    const started = performance.now();
    const indexName = `index.${generation}.${this.layout.extension}`;
    const tmp = path.join(directory, tmpName(indexName));
    const saveIndex = async (): Promise<FileRecord> => {
      try {
        await options.write(tmp);
        // The checksum pass reads what the fsync flushes: run them side by side (the bytes do not change).
        const [, { record, file }] = await Promise.all([fsyncPath(tmp), this.#describe(tmp, indexName)]);
        const problem = options.check === undefined ? null : await options.check(file, { labels, manifest: null });
        if (problem !== null) throw new Error(`${this.layout.library} wrote an unexpected index file (${problem})`);
        await rename(tmp, path.join(directory, indexName));
        return record;
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    };
    const index = await saveIndex();
    const labelsFile = await writeFileAtomic(directory, `labels.${generation}.json`, JSON.stringify(labels.toJSON()));
    const fields = typeof options.fields === 'function' ? options.fields() : options.fields;
    const seconds = (performance.now() - started) / 1000;
    const manifest = {
      format: this.layout.format,
      formatVersion: this.layout.formatVersion,
      generation,
      ...fields,
      files: { index, labels: labelsFile },
      base: { items: labels.live, deleted: labels.free, seconds },
      savedAt: Date.now(),
    } as M;
    await writeFileAtomic(directory, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncPath(directory);
    await this.#removeOtherGenerations(directory, generation);
    return manifest;
  }

  /**
   * Whether the next save may append a journal of changes that took `seconds` to apply (rather
   * than write the index whole): the manifest the index was last saved or loaded as lists fewer
   * than `maxFiles` journals, and replaying them all on load (the sum of their apply times)
   * stays within `saveMultiple` times the last whole write (at least `minSeconds`). Writing
   * whole every so often keeps loads bounded; appending keeps a small sync from rewriting
   * gigabytes.
   */
  journalFits(manifest: M | null, seconds: number, budget: JournalBudget): boolean {
    if (manifest === null || manifest.base === undefined || budget.maxFiles <= 0) return false;
    const journal = manifest.journal ?? [];
    if (journal.length + 1 > Math.min(budget.maxFiles, MAX_JOURNAL_FILES)) return false;
    let replay = seconds;
    for (const j of journal) replay += j.seconds;
    return replay <= Math.max(budget.minSeconds ?? 1, (budget.saveMultiple ?? 4) * manifest.base.seconds);
  }

  /**
   * Save as a sync should: append the `pending` changes as a journal on top of `saved` (the
   * manifest the index was last saved or loaded as) when they are all held and fit `budget`,
   * else write whole with `whole()` (a `save` of the next generation). Either way `pending`
   * starts empty after it; returns the manifest that now describes the directory.
   *
   * ```ts
   * const manifest = await FILES.saveIncrementally(directory, {
   *   saved: this.saved, pending: this.pending, budget: { maxFiles: 16 }, fields,
   *   whole: async () => FILES.save(directory, { generation, labels, fields, write: (f) => native.save(f) }),
   * })
   * ```
   */
  async saveIncrementally(
    directory: string,
    options: {
      saved: M | null;
      pending: PendingChanges;
      budget: JournalBudget;
      fields: ManifestFields<M>;
      whole: () => Promise<M>;
    },
  ): Promise<M> {
    const { saved, pending } = options;
    let manifest: M | null = null;
    if (saved !== null && pending.usable && this.journalFits(saved, pending.seconds, options.budget)) {
      manifest = await this.appendJournal(directory, { manifest: saved, changes: pending.encode(), fields: options.fields });
    }
    manifest ??= await options.whole();
    pending.reset();
    return manifest;
  }

  /**
   * Save by appending: `changes` (from `encodeChanges`, or null when only the manifest's fields
   * change, e.g. the cursor) are written as `journal.<gen>.<n>-<random>.bin`, fsynced and
   * renamed, and the manifest is rewritten to list it, with `fields` (the counts after the
   * changes, the cursor). `manifest` is the one the in-memory index was last saved or loaded as,
   * plus exactly these changes. Returns null, having changed nothing that is named, when the
   * directory's manifest is no longer that one (another process saved): write whole instead.
   */
  async appendJournal(
    directory: string,
    options: {
      manifest: M;
      changes: { data: Uint8Array; count: number; seconds: number } | null;
      fields: ManifestFields<M>;
    },
  ): Promise<M | null> {
    const current = options.manifest;
    if (current.base === undefined) return null;
    const onDisk = await readFile(path.join(directory, 'manifest.json'), 'utf8')
      .then((text) => JSON.parse(text) as M)
      .catch(() => null);
    const journal = current.journal ?? [];
    if (
      onDisk === null ||
      onDisk.generation !== current.generation ||
      onDisk.files?.index?.sha256 !== current.files.index.sha256 ||
      (onDisk.journal ?? []).length !== journal.length ||
      (onDisk.journal ?? []).some((j, i) => j.sha256 !== journal[i]?.sha256) ||
      onDisk.savedAt !== current.savedAt
    ) {
      return null;
    }
    const next = [...journal];
    if (options.changes !== null) {
      const name = `journal.${current.generation}.${journal.length + 1}-${randomHex()}.bin`;
      const record = await writeFileAtomic(directory, name, options.changes.data);
      next.push({ ...record, changes: options.changes.count, seconds: options.changes.seconds });
    }
    const manifest = {
      format: current.format,
      formatVersion: current.formatVersion,
      generation: current.generation,
      ...options.fields,
      files: current.files,
      base: current.base,
      journal: next,
      savedAt: Date.now(),
    } as M;
    await writeFileAtomic(directory, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncPath(directory);
    return manifest;
  }

  /**
   * Read and verify the current generation without touching native code, cheapest checks first:
   * the manifest's shape against `expect` (and the plugin's `checkManifest`), the catalog state
   * (`checkCatalog`), the size and sha256 of both files, the label map and its counts, then the
   * plugin's `check` of the native file. Never throws for bad files: returns the reason.
   */
  async verify(
    directory: string,
    options: {
      expect: IndexExpectation;
      catalog?: { [key: string]: JsonValue };
      checkManifest?: (manifest: M) => string | null;
      check?: NativeFileCheck<M>;
    },
  ): Promise<Verified<M>> {
    const manifestPath = path.join(directory, 'manifest.json');
    const info = await stat(manifestPath).catch(() => null);
    if (info === null || !info.isFile()) return { ok: false, reason: 'no manifest' };
    if (info.size > MAX_MANIFEST_BYTES) return { ok: false, reason: 'manifest is implausibly large' };
    let manifest: M;
    try {
      manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as M;
    } catch {
      return { ok: false, reason: 'manifest is not valid JSON' };
    }
    const { format, formatVersion } = this.layout;
    const mismatch =
      checkManifestShape(manifest, format, formatVersion, options.expect, { index: this.#index, labels: this.#labels }) ??
      options.checkManifest?.(manifest) ??
      checkCatalog(manifest, options.catalog);
    if (mismatch !== null) return { ok: false, reason: mismatch };
    const indexFile = path.join(directory, manifest.files.index.name);
    const native = await this.#describe(indexFile, manifest.files.index.name).catch(() => null);
    const problemOf = (record: FileRecord, actual: FileRecord | undefined): string | null => {
      if (actual === undefined) return `${record.name} is missing`;
      if (actual.bytes !== record.bytes) return `${record.name} is ${actual.bytes} bytes, manifest says ${record.bytes}`;
      if (actual.sha256 !== record.sha256) return `${record.name} fails its checksum`;
      return null;
    };
    const indexProblem = problemOf(manifest.files.index, native?.record);
    if (indexProblem !== null || native === null) return { ok: false, reason: indexProblem as string };
    const labelsRead = await readFileRecord(path.join(directory, manifest.files.labels.name), manifest.files.labels.name).catch(
      () => null,
    );
    const labelsProblem = problemOf(manifest.files.labels, labelsRead?.record);
    if (labelsProblem !== null || labelsRead === null) return { ok: false, reason: labelsProblem as string };
    let labels: LabelMap;
    try {
      labels = LabelMap.fromJSON(JSON.parse(labelsRead.data.toString('utf8')));
    } catch (e) {
      return { ok: false, reason: `label map: ${(e as Error).message}` };
    }
    const counts = (manifest.journal?.length ?? 0) > 0 ? (manifest.base as { items: number; deleted: number }) : manifest;
    if (labels.live !== counts.items || labels.free !== counts.deleted)
      return { ok: false, reason: 'label map counts differ from the manifest' };
    const journal: Buffer[] = [];
    const journalFiles: string[] = [];
    for (const record of manifest.journal ?? []) {
      const file = path.join(directory, record.name);
      const read = await readFileRecord(file, record.name).catch(() => null);
      const journalProblem = problemOf(record, read?.record);
      if (journalProblem !== null || read === null) return { ok: false, reason: journalProblem as string };
      journal.push(read.data);
      journalFiles.push(file);
    }
    const problem = options.check === undefined ? null : await options.check(native.file, { labels, manifest });
    if (problem !== null) return { ok: false, reason: `index file: ${problem}` };
    return {
      ok: true,
      manifest,
      labels,
      indexFile,
      journal,
      journalFiles,
      ...(native.file.data !== undefined ? { data: native.file.data } : {}),
    };
  }

  /** Remove every file this layout owns in the directory (and nothing else). */
  async remove(directory: string): Promise<void> {
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      if (this.#owned.test(name)) await rm(path.join(directory, name), { force: true });
    }
  }

  /** Size, sha256 and a reader of the native file (in memory for `read: 'buffer'`). */
  async #describe(file: string, name: string): Promise<{ record: FileRecord; file: NativeFile }> {
    if (this.layout.read === 'buffer') {
      const { data, record } = await readFileRecord(file, name);
      const read = async (offset: number, length: number) => data.subarray(offset, Math.min(data.length, offset + length));
      return { record, file: { path: file, bytes: record.bytes, data, read } };
    }
    const record = await describeFile(file, name);
    return { record, file: { path: file, bytes: record.bytes, read: (offset, length) => readAt(file, offset, length) } };
  }

  async #removeOtherGenerations(directory: string, keep: number): Promise<void> {
    for (const name of await readdir(directory)) {
      if (!this.#owned.test(name)) continue;
      const file = path.join(directory, name);
      const generation = /^(?:index|labels|journal)\.(\d+)\./.exec(name)?.[1];
      if (name.endsWith('.tmp')) {
        if (await abandonedTemp(file)) await rm(file, { force: true });
      } else if (generation !== undefined && Number(generation) !== keep) {
        await rm(file, { force: true });
      }
    }
  }
}

function randomHex(): string {
  return randomBytes(4).toString('hex');
}

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * A `verify` result as a plugin's `VectorIndex.verify` returns it (for `vecdex doctor`): counts
 * and bytes from the manifest when the files check out, the reason otherwise.
 *
 * ```ts
 * async verify(state) { return verificationOf(await verifySavedFiles(this.context, state)) }
 * ```
 */
export function verificationOf(v: Verified<IndexManifest>): IndexVerification {
  if (!v.ok) return { ok: false, reason: v.reason };
  const { manifest } = v;
  return {
    ok: true,
    items: manifest.items,
    deleted: manifest.deleted,
    bytes: savedBytes(manifest),
    journalFiles: manifest.journal?.length ?? 0,
  };
}
