import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { JsonValue } from '@vecdex/core';
import { contextFor } from '../cli-context.js';
import { UsageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { indexProgress } from '../index-progress.js';
import { withStore } from '../open-store.js';
import { formatTable } from '../output/format-table.js';
import { commaList, positiveInteger } from '../parse-args.js';
import { Progress } from '../progress.js';
import { fileQueries, sampleQueries } from '../bench/bench-queries.js';
import type { BenchResult } from '../bench/bench-result.js';
import { BENCH_ALIGN, benchCaption, benchHeaders, benchRows } from '../bench/bench-table.js';
import { renderHtmlReport } from '../bench/html-report.js';
import { renderPlotSvg } from '../bench/plot-svg.js';
import { runBench } from '../bench/run-bench.js';
import { type SweepOverride, sweepOption } from '../bench/sweep.js';
import { type CompareConfig, createCompareIndexes, parseCompare } from '../bench/compare-configs.js';

interface BenchOptions {
  k: number;
  queries?: number;
  seed: number;
  queryFile?: string;
  index?: string[];
  sweep?: SweepOverride[];
  build: boolean;
  out: string;
  report: boolean;
  compare?: CompareConfig[];
  comparePlugin: string;
  compareParams?: { [key: string]: JsonValue };
}

function jsonObject(value: string): { [key: string]: JsonValue } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--compare-params must be a JSON object, got ${value}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`--compare-params must be a JSON object, got ${value}`);
  return parsed as { [key: string]: JsonValue };
}

const DEFAULT_QUERIES = 200;

function seedOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new UsageError(`--seed must be a non-negative integer, got ${value}`);
  return n;
}

/**
 * `vecdex bench <collection>`: every index over the collection against exact search on the same
 * queries (recall@k, QPS, p50/p95 latency, build time, size), with a per-query parameter sweep
 * per index; prints a table (or JSON) and writes a recall-vs-QPS SVG and an HTML report.
 */
export function registerBench(program: Command, io: CliIo): void {
  program
    .command('bench <collection>')
    .description(
      'measure every index over a collection against exact search: recall@k, QPS, latency, build time, size; writes a plot and an HTML report',
    )
    .option('-k, --k <n>', 'neighbours per query (recall@k)', positiveInteger, 10)
    .option(
      '--queries <n>',
      `number of queries (default ${DEFAULT_QUERIES} sampled items, or every vector of --query-file)`,
      positiveInteger,
    )
    .option('--seed <n>', 'seed for sampling query items', seedOption, 1)
    .option(
      '--query-file <file>',
      'query vectors from a .jsonl ({"vector": [...]} per line) or .fvecs file instead of sampled items',
    )
    .option('--index <a,b>', 'only these indexes (default: every index over the collection)', commaList)
    .option(
      '--sweep <[index:]param=v1,v2>',
      'per-query parameter values to sweep, repeatable; without "index:" for every index (defaults: hnswlib efSearch=10..320, faiss IVF nprobe=1..64)',
      sweepOption,
    )
    .option('--no-build', 'do not time a rebuild of each index (sync it only; the build column stays empty)')
    .option('--out <dir>', 'directory for bench.svg, report.html and results.json', 'vecdex-bench')
    .option('--no-report', 'print results only, write no files')
    .option(
      '--compare <configs>',
      'also measure these compressions on temporary indexes, e.g. float16,int8,binary,truncate:256,pca:128 (+ combines, ! = no rescoring, @n = oversample)',
      parseCompare,
    )
    .option('--compare-plugin <name>', 'index plugin for --compare (usearch: its flat kind, the exact path)', 'usearch')
    .option('--compare-params <json>', 'plugin params for --compare indexes (default for usearch: {"kind":"flat"})', jsonObject)
    .addHelpText(
      'after',
      `
Sampled queries are items of the collection, each left out of its own results. Every index is
rebuilt first (timed; with --no-build only synced), then searched with stale: 'error', so writes
during the run fail it rather than skew it. QPS is one query at a time, the best of repeated passes.

Examples:
  vecdex bench docs
  vecdex bench docs --queries 1000 --sweep efSearch=16,32,64,128 --out ./bench-out
  vecdex bench docs --query-file queries.fvecs -k 100 --no-build --json
  vecdex bench docs --compare float16,int8,binary@10,truncate:256,truncate:256!,pca:128`,
    )
    .action(async (collection: string, opts: BenchOptions, cmd: Command) => {
      const ctx = contextFor(io, cmd);
      const enabled = !ctx.globals.json && !ctx.globals.quiet;
      const result = await withStore(ctx, async (vx) => {
        const c = vx.collection(collection);
        const info = await c.info();
        const queries =
          opts.queryFile !== undefined
            ? await fileQueries(path.resolve(ctx.io.cwd, opts.queryFile), info, opts.queries)
            : await sampleQueries(c, opts.queries ?? DEFAULT_QUERIES, opts.seed);
        const compare =
          opts.compare === undefined
            ? null
            : await createCompareIndexes(vx, collection, opts.compare, opts.comparePlugin, opts.compareParams);
        try {
          return await runBench(vx, {
            collection,
            k: opts.k,
            queries,
            ...(opts.index !== undefined ? { only: opts.index } : {}),
            ...(compare !== null ? { configs: new Map(compare.indexes.map((ix) => [ix.name, ix.config.label])) } : {}),
            sweeps: opts.sweep ?? [],
            // Temporary indexes are built either way (they are new).
            build: opts.build,
            progress: {
              build: (name) => indexProgress(ctx, name),
              queries: (label, total) =>
                new Progress({ stream: ctx.io.stderr, enabled, label: `measuring ${label}`, total, unit: 'queries' }),
            },
          });
        } finally {
          await compare?.drop();
        }
      });
      let report: BenchResult['report'] = null;
      if (opts.report) {
        const dir = path.resolve(ctx.io.cwd, opts.out);
        const svg = renderPlotSvg(
          result.indexes.map((ix) => ({
            name: ix.config ?? ix.name,
            points: ix.runs.map((r) => ({
              recall: r.recall,
              qps: r.qps,
              label:
                Object.entries(r.params)
                  .map(([key, v]) => `${key}=${String(v)}`)
                  .join(' ') || 'defaults',
            })),
          })),
          {
            title: `recall@${result.k} vs QPS: ${result.collection} (${result.items.toLocaleString('en-US')} items, ${result.dimensions}-d ${result.metric})`,
            baselineQps: result.exact.qps,
          },
        );
        report = { svg: path.join(dir, 'bench.svg'), html: path.join(dir, 'report.html') };
        await mkdir(dir, { recursive: true });
        await writeFile(report.svg, svg);
        await writeFile(report.html, renderHtmlReport(result, svg));
        await writeFile(path.join(dir, 'results.json'), `${JSON.stringify({ ...result, report }, null, 2)}\n`);
      }
      const full: BenchResult = { ...result, report };
      if (result.indexes.length === 0) {
        ctx.out.warn(
          `no index covers collection "${collection}": only exact search was measured (create one with \`vecdex index create\`)`,
        );
      }
      ctx.out.data(full, () => {
        const table = formatTable(benchHeaders(full.k), benchRows(full), { align: BENCH_ALIGN });
        const files =
          report === null
            ? ''
            : `\n\nwrote ${path.relative(ctx.io.cwd, report.html) || report.html} and ${path.relative(ctx.io.cwd, report.svg) || report.svg}`;
        return `${benchCaption(full)}\n\n${table}${files}`;
      });
    });
}
