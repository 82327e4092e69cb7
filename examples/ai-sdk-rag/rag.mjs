#!/usr/bin/env node
// Retrieval-augmented answers over a folder of markdown files, with AI SDK embeddings on vecdex.
//
//   node rag.mjs ingest [--docs DIR] [--db FILE] [--json]
//   node rag.mjs ask "QUESTION" [--db FILE] [-k 3] [--json]
//   (both) [--api-base URL --model NAME]   embed through an OpenAI-compatible server (@ai-sdk/openai-compatible)
//
// The store's embedding provider is @vecdex/provider-ai-sdk around an AI SDK embedding model:
// @ai-sdk/openai-compatible's with --api-base (Ollama, vLLM, LiteLLM, the repository's test
// server), else an offline AI SDK model written here (EmbeddingModelV3 over vecdex's lexical
// hashing embedder), to show that any object implementing the AI SDK's interface plugs in.
// ingest: every *.md under --docs (default ./docs) is split into one record per section
// (`#`/`##` headings, id `file#heading`) and vecdex's ingest() embeds them through the model, in
// batches, with retries and vecdex's embedding cache; an unchanged section costs no request on a
// re-run, and sections that are gone are deleted.
// ask: a vecdex text query (the question embedded through the same model, via the store's query
// cache) finds the k nearest sections; the answer is the sentence of the best one that shares
// most words with the question, citing sources: extractive, so no language model.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { createEmbeddingProvider, createHashingProvider, ingest, openVecdex } from '@vecdex/core';
import { aiSdkProvider } from '@vecdex/provider-ai-sdk';

const COLLECTION = 'docs';
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    docs: { type: 'string', default: 'docs' },
    db: { type: 'string', default: 'rag.db' },
    k: { type: 'string', short: 'k', default: '3' },
    'api-base': { type: 'string' },
    model: { type: 'string', default: 'nomic-embed-text' },
    json: { type: 'boolean', default: false },
  },
});
const [command, ...rest] = positionals;

const model =
  flags['api-base'] !== undefined
    ? createOpenAICompatible({ name: 'local', baseURL: flags['api-base'], apiKey: process.env.OPENAI_API_KEY }).embeddingModel(
        flags.model,
      )
    : hashingModel(512);
const vx = await openVecdex({
  config: {
    backend: { use: sqlitevec, options: { path: path.resolve(flags.db) } },
    dataDir: `${path.resolve(flags.db)}.data`,
    plugins: [aiSdkProvider({ model })],
    embedding: { provider: 'ai-sdk', batchSize: 16 },
  },
  env: process.env,
});
try {
  if (command === 'ingest') await ingestFolder();
  else if (command === 'ask' && rest.length > 0) await ask(rest.join(' '));
  else {
    console.error('usage: node rag.mjs ingest [--docs DIR] | node rag.mjs ask "QUESTION"   (see the header of rag.mjs)');
    process.exitCode = 2;
  }
} finally {
  await vx.close();
}

/** An AI SDK embedding model (specification v3) over vecdex's offline hashing embedder. */
function hashingModel(dimensions) {
  const hashing = createHashingProvider({ dimensions });
  return {
    specificationVersion: 'v3',
    provider: 'vecdex-example',
    modelId: hashing.model,
    maxEmbeddingsPerCall: 256,
    supportsParallelCalls: true,
    async doEmbed({ values }) {
      return { embeddings: (await hashing.embed(values)).map((v) => Array.from(v)), warnings: [] };
    },
  };
}

async function ingestFolder() {
  const root = path.resolve(flags.docs);
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.md')).sort();
  const records = [];
  for (const file of files)
    records.push(...splitMarkdown(await readFile(path.join(root, file), 'utf8'), file.split(path.sep).join('/')));
  const provider = await createEmbeddingProvider(vx.plugins, vx.config.embedding);
  const report = await ingest(vx, { collection: COLLECTION, provider, records, storeContent: true });
  if (report.failed.length > 0) throw new Error(`${report.failed.length} sections failed: ${report.failed[0].reason}`);
  const current = new Set(records.map((r) => r.id));
  const gone = [];
  for await (const batch of vx.collection(COLLECTION).scan({ vectors: false }))
    for (const it of batch) if (!current.has(it.id)) gone.push(it.id);
  const deleted = gone.length > 0 ? await vx.collection(COLLECTION).delete(gone) : 0;
  const out = {
    files: files.length,
    sections: records.length,
    embedded: report.embedded,
    cached: report.cached,
    unchanged: report.unchanged,
    deleted,
    requests: report.requests,
  };
  if (flags.json) console.log(JSON.stringify(out));
  else
    console.log(
      `${out.files} files, ${out.sections} sections: ${out.embedded} embedded (${out.requests} requests), ${out.cached} from the cache, ${out.unchanged} unchanged, ${out.deleted} deleted`,
    );
}

/** One record per `##` section (or the part before the first), titled with its headings. */
function splitMarkdown(text, source) {
  const records = [];
  let title = '';
  let heading = '';
  let lines = [];
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') {
      const label = [title, heading].filter(Boolean).join(' › ');
      records.push({ id: `${source}#${label}`, text: `${label}\n\n${body}`, metadata: { source, heading: label } });
    }
    lines = [];
  };
  for (const line of text.split('\n')) {
    const h = /^(#{1,2})\s+(.*)$/.exec(line);
    if (h === null) {
      lines.push(line);
      continue;
    }
    flush();
    if (h[1] === '#') {
      title = h[2].trim();
      heading = '';
    } else heading = h[2].trim();
  }
  flush();
  return records;
}

async function ask(question) {
  const hits = await vx
    .collection(COLLECTION)
    .similar({ text: question }, { k: Number(flags.k), include: { metadata: true, content: true } });
  const out = {
    question,
    answer: extract(question, hits[0]?.content ?? undefined),
    sources: hits.map((h) => ({ source: h.metadata?.source, heading: h.metadata?.heading })),
  };
  if (flags.json) console.log(JSON.stringify(out));
  else {
    console.log(out.answer);
    for (const s of out.sources) console.log(`  - ${s.source}: ${s.heading}`);
  }
}

/** The sentence of the section sharing most words with the question. */
function extract(question, text) {
  if (text === undefined) return 'Nothing is indexed yet: run `node rag.mjs ingest` first.';
  const words = (s) => new Set(s.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
  const asked = words(question);
  const sentences = text
    .split('\n\n')
    .slice(1)
    .join(' ')
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+/);
  let best = sentences[0] ?? '';
  let bestScore = -1;
  for (const s of sentences) {
    const score = [...words(s)].filter((w) => asked.has(w)).length;
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best;
}
