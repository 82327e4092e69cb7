import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, OtelApi, OtelCounter, OtelHistogram, OtelSpan, OtelTracer } from './otel-api.js';

/** The instruments vecdex records (see core's README, "OpenTelemetry"). */
interface Instruments {
  api: OtelApi;
  tracer: OtelTracer;
  searchDuration: OtelHistogram;
  providerRequests: OtelCounter;
  providerRetries: OtelCounter;
  indexLag: OtelHistogram;
  indexRebuilds: OtelCounter;
}

/** undefined: not tried yet; null: `@opentelemetry/api` is not installed (everything is a no-op). */
let instruments: Instruments | null | undefined;
let loading: Promise<void> | null = null;

/**
 * Load `@opentelemetry/api` once, if it is installed (an optional peer of core). `openVecdex` and
 * `ingest` call this; until it resolved, and forever when the package is absent, every span and
 * metric below is skipped at the cost of one comparison. Spans and metrics reach whatever SDK the
 * application registered (`NodeSDK`, a `TracerProvider`/`MeterProvider`); without one the API's
 * own no-op implementation answers.
 */
export function loadTelemetry(): Promise<void> {
  if (instruments !== undefined) return Promise.resolve();
  loading ??= (async () => {
    let api: OtelApi;
    try {
      const specifier = '@opentelemetry/api';
      const mod = (await import(specifier)) as OtelApi & { default?: OtelApi };
      api = typeof mod.trace?.getTracer === 'function' ? mod : (mod.default as OtelApi);
    } catch {
      instruments = null;
      return;
    }
    if (
      typeof api?.trace?.getTracer !== 'function' ||
      typeof api.trace.setSpan !== 'function' ||
      typeof api.context?.active !== 'function' ||
      typeof api.context.with !== 'function' ||
      typeof api.metrics?.getMeter !== 'function'
    ) {
      instruments = null;
      return;
    }
    const meter = api.metrics.getMeter('vecdex');
    errorCode = api.SpanStatusCode?.ERROR ?? 2;
    instruments = {
      api,
      tracer: api.trace.getTracer('vecdex'),
      searchDuration: meter.createHistogram('vecdex.search.duration', { description: 'search latency by plan', unit: 'ms' }),
      providerRequests: meter.createCounter('vecdex.provider.requests', { description: 'embedding requests, retries included' }),
      providerRetries: meter.createCounter('vecdex.provider.retries', { description: 'embedding requests retried' }),
      indexLag: (meter.createGauge ?? meter.createHistogram).call(meter, 'vecdex.index.lag', {
        description: 'changes an index was behind the store when a search used it',
        unit: '{change}',
      }),
      indexRebuilds: meter.createCounter('vecdex.index.rebuilds', { description: 'automatic index rebuilds by cause' }),
    };
  })();
  return loading;
}

let errorCode = 2;

/**
 * The vecdex span running in this async flow. Spans vecdex starts inside it (a sync a search
 * triggered, an embedding batch of an ingest) take it as their parent even when the application
 * registered no context manager (OpenTelemetry's own active context then does not follow `await`).
 */
const currentSpan = new AsyncLocalStorage<OtelSpan>();

/** OpenTelemetry's active context, with the running vecdex span (if any) as its current span. */
function parentContext(t: Instruments): unknown {
  const active = t.api.context.active();
  const parent = currentSpan.getStore();
  return parent === undefined ? active : t.api.trace.setSpan(active, parent);
}

/** The loaded instruments, or null (not installed, or not loaded yet). */
export function telemetry(): Instruments | null {
  return instruments ?? null;
}

/**
 * Run `fn` inside a span named `name` when telemetry is on (the span is the active one, so a
 * provider's HTTP spans nest under it); `fn` adds attributes from its result through `span`.
 * Errors are recorded on the span and rethrown. Without telemetry, just `fn(null)`.
 */
export async function traced<T>(name: string, attributes: Attributes, fn: (span: OtelSpan | null) => Promise<T>): Promise<T> {
  const t = instruments;
  if (t === undefined || t === null) return fn(null);
  const parent = parentContext(t);
  const span = t.tracer.startSpan(name, { attributes }, parent);
  // No SDK registered: the API's no-op tracer hands out spans with an all-zero trace id, and
  // every span started under this one would be the same no-op. Then the span needs no context
  // around \`fn\`; entering \`currentSpan\` would switch on Node's async hooks for the rest of the
  // process (AsyncLocalStorage in Node 20), a cost on every promise of every later query.
  if (span.spanContext?.().traceId === INVALID_TRACE_ID) {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  }
  try {
    return await t.api.context.with(t.api.trace.setSpan(parent, span), () => currentSpan.run(span, () => fn(span)));
  } catch (err) {
    span.recordException(err);
    span.setStatus({ code: errorCode, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/** The trace id of OpenTelemetry's invalid span context (what the API's no-op tracer returns). */
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/**
 * A span for something that already happened (an index build measured elsewhere): explicit start
 * and end, a child of the running vecdex span (the search that triggered a sync or rebuild).
 */
export function pastSpan(name: string, startMs: number, endMs: number, attributes: Attributes): void {
  const t = instruments;
  if (t === undefined || t === null) return;
  t.tracer.startSpan(name, { attributes, startTime: startMs }, parentContext(t)).end(endMs);
}
