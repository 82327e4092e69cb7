import type { Command } from 'commander';
import type { Item, Vecdex } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { type LlmCollection, type LlmEmbedding, LlmDatabase } from '../import/llm-database.js';
import { withStore } from '../open-store.js';
import { formatCount } from '../output/format-table.js';
import { positiveInteger } from '../parse-args.js';
import { Progress } from '../progress.js';

interface ImportLlmOptions {
  collection?: string[];
  batchSize: number;
}

interface CollectionResult {
  collection: string;
  model: string;
  dimensions: number;
  rows: number;
  written: number;
  unchanged: number;
  created: boolean;
}

/**
 * `vecdex import-llm <embeddings.db> [--collection NAME...]`: bring a `simonw/llm` embeddings
 * database into vecdex collections with the same names, ids, vectors, content, metadata and
 * model. Re-runnable: rows whose content hash, content and metadata are already stored are skipped.
 */
export function registerImportLlm(program: Command, io: CliIo): void {
  program
    .command('import-llm <database>')
    .description('import the collections of a simonw/llm embeddings database (same ids and model; unchanged rows skipped)')
    .option('-c, --collection <name...>', 'only these llm collections (default: all)')
    .option('-b, --batch-size <n>', 'items per write', positiveInteger, 1000)
    .action(async (database: string, opts: ImportLlmOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const llm = await LlmDatabase.open(database);
      try {
        const all = llm.collections();
        const wanted = opts.collection ?? all.map((c) => c.name);
        const missing = wanted.filter((n) => !all.some((c) => c.name === n));
        if (missing.length > 0) {
          throw new CliError('UNKNOWN_COLLECTION', `${database} has no collection ${missing.map((n) => `"${n}"`).join(', ')}`, {
            hint: `it has: ${all.map((c) => c.name).join(', ') || 'none'}`,
          });
        }
        const show = !ctx.globals.json && !ctx.globals.quiet;
        const results = await withStore(ctx, async (vx) => {
          const out: CollectionResult[] = [];
          for (const c of all.filter((x) => wanted.includes(x.name))) {
            const bar = new Progress({ stream: io.stderr, enabled: show, label: c.name, total: llm.count(c), unit: 'rows' });
            try {
              out.push(await importCollection(vx, llm, c, opts.batchSize, (n) => bar.update(n)));
            } finally {
              bar.finish();
            }
          }
          return out;
        });
        ctx.out.done(
          { database, collections: results },
          () =>
            results
              .map(
                (r) =>
                  `${r.collection}: ${formatCount(r.rows)} rows (${r.model}, ${r.dimensions} dims)${r.created ? ', created' : ''}: ${formatCount(r.written)} written, ${formatCount(r.unchanged)} unchanged`,
              )
              .join('\n') || `${database} holds no collections`,
        );
      } finally {
        llm.close();
      }
    });
}

async function importCollection(
  vx: Vecdex,
  llm: LlmDatabase,
  c: LlmCollection,
  batchSize: number,
  progress: (done: number) => void,
): Promise<CollectionResult> {
  const result: CollectionResult = {
    collection: c.name,
    model: c.model,
    dimensions: 0,
    rows: 0,
    written: 0,
    unchanged: 0,
    created: false,
  };
  let batch: LlmEmbedding[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const coll = vx.collection(c.name);
    const stored = new Map(
      (
        await coll.getMany(
          batch.map((b) => b.id),
          { vectors: false },
        )
      ).map((it) => [it.id, it]),
    );
    const changed: Item[] = [];
    for (const row of batch) {
      const s = stored.get(row.id);
      const same =
        s !== undefined &&
        s.contentHash === row.contentHash &&
        s.content === row.content &&
        JSON.stringify(s.metadata) === JSON.stringify(row.metadata);
      if (same) result.unchanged++;
      else
        changed.push({
          id: row.id,
          vector: row.vector,
          content: row.content,
          metadata: row.metadata as Item['metadata'],
          contentHash: row.contentHash,
        });
    }
    if (changed.length > 0) result.written += (await coll.upsert(changed)).upserted;
    result.rows += batch.length;
    progress(result.rows);
    batch = [];
  };
  for (const row of llm.embeddings(c)) {
    if (result.dimensions === 0) {
      result.dimensions = row.vector.length;
      result.created = await ensureCollection(vx, c, row.vector.length);
    } else if (row.vector.length !== result.dimensions) {
      throw new CliError(
        'DIMENSION_MISMATCH',
        `${llm.file}: "${row.id}" in "${c.name}" has ${row.vector.length} dimensions, the collection ${result.dimensions}`,
      );
    }
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return result;
}

/** The vecdex collection for an llm one: created (cosine, llm's model), or checked to match. */
async function ensureCollection(vx: Vecdex, c: LlmCollection, dimensions: number): Promise<boolean> {
  const info = await vx.collections.get(c.name);
  if (info === null) {
    await vx.collections.create({ name: c.name, dimensions, metric: 'cosine', model: c.model });
    return true;
  }
  if (info.dimensions !== dimensions || (info.model !== null && info.model !== c.model)) {
    throw new CliError(
      'MODEL_MISMATCH',
      `collection "${c.name}" exists with ${info.dimensions} dimensions and model ${info.model ?? 'none'}; the llm collection has ${dimensions} and ${c.model}`,
      { hint: 'import into another store, or delete the vecdex collection first' },
    );
  }
  return false;
}
