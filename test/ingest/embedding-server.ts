import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one request (default: answer correctly). */
export type Misbehaviour =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' }
  | { kind: 'wrong-length' }
  | { kind: 'wrong-count' }
  | { kind: 'duplicate-index' }
  | { kind: 'nan' };

export interface ServerRequestInfo {
  /** 1-based request number. */
  n: number;
  texts: string[];
  model: string;
  authorization: string | undefined;
}

export interface EmbeddingServerOptions {
  dimensions?: number;
  /** Added to every request before answering. */
  latencyMs?: number;
  /** Return a misbehaviour for a request, or undefined to answer it properly. */
  behave?: (req: ServerRequestInfo) => Misbehaviour | undefined;
  /** Answer `data` in reverse order (indices stay right): clients must sort by index. */
  shuffle?: boolean;
}

/**
 * A local server speaking the OpenAI embeddings API (`POST /v1/embeddings`), for tests and
 * benchmarks. Vectors are a deterministic function of the text ({@link expectedVector}), so a
 * test can check every stored vector. It counts requests, texts and requests in flight.
 */
export interface EmbeddingServer {
  url: string;
  /** `${url}/v1`, what `--api-base` takes. */
  apiBase: string;
  requests: ServerRequestInfo[];
  /** Texts answered with a correct vector, with how often. */
  answered: Map<string, number>;
  inFlight: number;
  maxInFlight: number;
  /** Arrival times of requests (ms, Date.now()). */
  arrivals: number[];
  options: EmbeddingServerOptions;
  close(): Promise<void>;
}

export function expectedVector(text: string, dimensions: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < dimensions; i++) {
    const h = createHash('sha256').update(`${i}:${text}`).digest();
    for (let j = 0; j + 2 <= h.length && out.length < dimensions; j += 2) out.push((h.readUInt16BE(j) / 65535) * 2 - 1);
  }
  return out;
}

export async function startEmbeddingServer(options: EmbeddingServerOptions = {}): Promise<EmbeddingServer> {
  const dims = options.dimensions ?? 8;
  const sockets = new Set<import('node:net').Socket>();
  const state: EmbeddingServer = {
    url: '',
    apiBase: '',
    requests: [],
    answered: new Map(),
    inFlight: 0,
    maxInFlight: 0,
    arrivals: [],
    options,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.arrivals.push(Date.now());
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    let closed = false;
    res.on('close', () => {
      if (!closed) state.inFlight--;
      closed = true;
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404).end('not found');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; input: string[] };
    const info: ServerRequestInfo = {
      n: state.requests.length + 1,
      texts: body.input,
      model: body.model,
      authorization: req.headers.authorization,
    };
    state.requests.push(info);
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    if ((options.latencyMs ?? 0) > 0) await wait(options.latencyMs as number);
    const m = options.behave?.(info);
    if (m?.kind === 'slow') await wait(m.delayMs);
    if (res.destroyed) return;
    if (m?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (m.retryAfter !== undefined) headers['retry-after'] = m.retryAfter;
      res.writeHead(m.status, headers).end(m.body ?? JSON.stringify({ error: { message: `status ${m.status}` } }));
      return;
    }
    if (m?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [{"embedding": [0.1, ');
      return;
    }
    let data = body.input.map((t, index) => ({ object: 'embedding', index, embedding: expectedVector(t, dims) as unknown[] }));
    if (m?.kind === 'wrong-length') data = data.map((d) => ({ ...d, embedding: d.embedding.slice(1) }));
    if (m?.kind === 'wrong-count') data = data.slice(1);
    if (m?.kind === 'duplicate-index') data = data.map((d) => ({ ...d, index: 0 }));
    if (m?.kind === 'nan') data = data.map((d) => ({ ...d, embedding: [null, ...d.embedding.slice(1)] }));
    if (m === undefined) for (const t of body.input) state.answered.set(t, (state.answered.get(t) ?? 0) + 1);
    if (options.shuffle === true) data.reverse();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } }));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.apiBase = `${state.url}/v1`;
  return state;
}
