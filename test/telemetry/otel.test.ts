import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { type Vecdex, createOpenAIProvider, ingest, openVecdex } from '@vecdex/core';
import hnswlib from '@vecdex/index-hnswlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddingServer, startEmbeddingServer } from '../ingest/embedding-server.js';

// The SDK's in-memory exporters, registered globally before vecdex loads @opentelemetry/api.
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

async function metricPoints(name: string) {
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  return all.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
}
const span = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name);
type Finished = ReturnType<typeof span>[number];
/** The span id of a finished span's parent (undefined for a root span). */
const parentOf = (s: Finished | undefined) => s?.parentSpanContext?.spanId;
const idOf = (s: Finished | undefined) => s?.spanContext().spanId;

describe('OpenTelemetry: spans and metrics through the SDK in-memory exporters', () => {
  let dir: string;
  let vx: Vecdex;
  let server: EmbeddingServer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vecdex-otel-'));
    // The first request fails with a 503: one retry.
    server = await startEmbeddingServer({
      dimensions: 8,
      behave: (r) => (r.n === 1 ? { kind: 'status', status: 503 } : undefined),
    });
    vx = await openVecdex({
      config: {
        backend: { use: sqlitevec, options: { path: path.join(dir, 'store.db') } },
        plugins: [hnswlib],
        dataDir: path.join(dir, 'data'),
      },
      cwd: dir,
      env: {},
    });
  });
  afterAll(async () => {
    await vx?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingest: a span with records, cache hits and requests; one per embedding batch with its attempts; request and retry counters', async () => {
    const provider = createOpenAIProvider({
      apiBase: server.apiBase,
      apiKey: 'k',
      model: 'test-model',
      dimensions: 8,
      maxBatchSize: 20,
    });
    const records = Array.from({ length: 40 }, (_, i) => ({ id: `d${i}`, text: `text ${i}`, metadata: { n: i } }));
    const report = await ingest(vx, { collection: 'docs', provider, records, concurrency: 1 });
    expect(report).toMatchObject({ embedded: 40, requests: 3 });
    const [ing] = span('vecdex.ingest');
    expect(ing?.attributes).toMatchObject({
      'vecdex.collection': 'docs',
      'vecdex.records': 40,
      'vecdex.embedded': 40,
      'vecdex.cache_hits': 0,
      'vecdex.requests': 3,
    });
    const batches = span('vecdex.embed');
    expect(batches.map((s) => s.attributes['vecdex.batch.size'])).toEqual([20, 20]);
    expect(batches.map((s) => s.attributes['vecdex.attempts']).sort()).toEqual([1, 2]);
    // No context manager is registered here: vecdex nests its own spans regardless.
    expect(batches.map(parentOf), 'embedding batches are children of the ingest').toEqual([idOf(ing), idOf(ing)]);
    // A second collection with the same texts: the embedding cache answers.
    const again = await ingest(vx, { collection: 'docs2', provider, records, concurrency: 1 });
    expect(again.cached).toBe(40);
    expect(span('vecdex.ingest')[1]?.attributes['vecdex.cache_hits']).toBe(40);
    const requests = await metricPoints('vecdex.provider.requests');
    expect(requests.reduce((n, p) => n + (p.value as number), 0)).toBe(3);
    const retries = await metricPoints('vecdex.provider.retries');
    expect(retries.reduce((n, p) => n + (p.value as number), 0)).toBe(1);
  });

  it('search: a span with plan, index, k, filter selectivity, hits, changes synced first; latency by plan; index lag', async () => {
    await vx.indexes.create({ name: 'h', plugin: 'hnswlib', collections: ['docs'], default: true });
    await vx.indexes.build('h');
    const build = span('vecdex.index.build');
    expect(build[0]?.attributes).toMatchObject({ 'vecdex.index': 'h', 'vecdex.plugin': 'hnswlib', 'vecdex.items': 40 });
    await vx.collection('docs').upsert([{ id: 'new', vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
    const docs = vx.collection('docs');
    const { hits, plan } = await docs.search({ vector: [1, 0, 0, 0, 0, 0, 0, 0], k: 5 });
    expect(plan).toMatchObject({ strategy: 'index', index: 'h', synced: 1 });
    const s = span('vecdex.search').at(-1);
    expect(s?.attributes).toMatchObject({
      'vecdex.plan': 'index',
      'vecdex.index': 'h',
      'vecdex.k': 5,
      'vecdex.hits': hits.length,
      'vecdex.synced_first': 1,
      'vecdex.collections': 'docs',
    });
    const sync = span('vecdex.index.sync');
    expect(sync[0]?.attributes).toMatchObject({ 'vecdex.index': 'h', 'vecdex.items': 1 });
    expect(parentOf(sync[0]), 'the sync the search triggered is its child').toBe(idOf(s));
    expect(s?.spanContext().traceId).toBe(sync[0]?.spanContext().traceId);
    expect(parentOf(build[0]), 'an asked-for build is a root span').toBeUndefined();
    // A filter: the planner counts matches, the span carries the selectivity.
    const filtered = await docs.search({ vector: [1, 0, 0, 0, 0, 0, 0, 0], k: 3, filter: { n: { $lt: 10 } } });
    const f = span('vecdex.search').at(-1);
    expect(f?.attributes['vecdex.plan']).toBe(filtered.plan.strategy);
    expect(f?.attributes['vecdex.filter.matching']).toBe(10);
    expect(f?.attributes['vecdex.filter.selectivity']).toBeCloseTo(10 / 41, 6);
    const latency = await metricPoints('vecdex.search.duration');
    const byPlan = Object.fromEntries(latency.map((p) => [p.attributes['vecdex.plan'], (p.value as { count: number }).count]));
    expect(byPlan.index).toBeGreaterThanOrEqual(1);
    expect(byPlan[filtered.plan.strategy]).toBeGreaterThanOrEqual(1);
    const lag = await metricPoints('vecdex.index.lag');
    expect(lag.length).toBeGreaterThan(0);
  });

  it('rebuilds: a span with the reason, and the rebuild counter by cause', async () => {
    await vx.collection('docs').delete(Array.from({ length: 10 }, (_, i) => `d${i}`));
    await vx.indexes.sync('h'); // 10 of 41 deleted: past hnswlib's compaction threshold
    const [rebuild] = span('vecdex.index.rebuild');
    expect(rebuild?.attributes).toMatchObject({ 'vecdex.index': 'h', 'vecdex.rebuild.cause': 'compaction' });
    expect(String(rebuild?.attributes['vecdex.rebuild.reason'])).toMatch(/compaction|deleted/);
    expect(parentOf(rebuild), 'an explicit sync is not under any search').toBeUndefined();
    const rebuilds = await metricPoints('vecdex.index.rebuilds');
    expect(rebuilds.map((p) => [p.attributes['vecdex.rebuild.cause'], p.value])).toEqual([['compaction', 1]]);
  });

  it('a rebuild a search triggered (never built) is a child span of that search', async () => {
    await vx.indexes.create({ name: 'h2', plugin: 'hnswlib', collections: ['docs2'] });
    const { plan } = await vx.collection('docs2').search({ vector: [1, 0, 0, 0, 0, 0, 0, 0], k: 3, index: 'h2' });
    expect(plan).toMatchObject({ strategy: 'index', index: 'h2' });
    const rebuild = span('vecdex.index.rebuild').find((s) => s.attributes['vecdex.index'] === 'h2');
    expect(rebuild?.attributes['vecdex.rebuild.cause']).toBe('never-built');
    const search = span('vecdex.search').at(-1);
    expect(search?.attributes['vecdex.index']).toBe('h2');
    expect(parentOf(rebuild)).toBe(idOf(search));
  });
});
