/**
 * The few parts of `@opentelemetry/api` vecdex calls, declared here (structurally) so core's
 * types never depend on the package: it is an optional peer, loaded lazily by `telemetry.ts`.
 */
export type Attributes = { [key: string]: string | number | boolean | undefined };

export interface OtelSpan {
  setAttributes(attributes: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: unknown): unknown;
  end(endTime?: number): void;
  /** False for a span nobody records (the API's no-op tracer, or one an SDK's sampler dropped). */
  isRecording?(): boolean;
  /** Its trace and span ids: all zeros from the API's no-op tracer (no SDK registered). */
  spanContext?(): { traceId: string; spanId: string };
}

export interface OtelTracer {
  startSpan(name: string, options?: { attributes?: Attributes; startTime?: number }, context?: unknown): OtelSpan;
}

export interface OtelHistogram {
  record(value: number, attributes?: Attributes): void;
}
export interface OtelCounter {
  add(value: number, attributes?: Attributes): void;
}

export interface OtelMeter {
  createHistogram(name: string, options?: { description?: string; unit?: string }): OtelHistogram;
  createCounter(name: string, options?: { description?: string; unit?: string }): OtelCounter;
  createGauge?(name: string, options?: { description?: string; unit?: string }): OtelHistogram;
}

export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    /** The context `ctx` with `span` as its current span (a parent for spans started in it). */
    setSpan(ctx: unknown, span: OtelSpan): unknown;
  };
  context: { active(): unknown; with<T>(ctx: unknown, fn: () => T): T };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  SpanStatusCode: { ERROR: number };
}
