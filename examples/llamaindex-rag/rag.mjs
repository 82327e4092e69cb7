#!/usr/bin/env node
// Retrieval-augmented answers over a folder of markdown files, with LlamaIndex.TS on vecdex.
//
//   node rag.mjs ingest [--docs DIR] [--db FILE] [--json]
//   node rag.mjs ask "QUESTION" [--db FILE] [-k 3] [--team NAME] [--json]
//   (both) [--api-base URL --model NAME --dimensions N]   embed through an OpenAI-compatible server
//
// ingest: every *.md under --docs (default ./docs) becomes one LlamaIndex Document per section
// (`#`/`##` headings, id `file#heading`), and VectorStoreIndex writes their nodes to a vecdex
// collection through @vecdex/llamaindex's VecdexVectorStore in one SQLite file (--db, default
// ./rag.db). A section that is already stored with the same text is left alone; a changed one
// replaces its nodes (delete by ref doc, then insert); sections and files that are gone are
// deleted.
// ask: LlamaIndex's retriever over the same store finds the k nearest sections (with --team, a
// LlamaIndex metadata filter on the file's name) and the answer is the sentence of the best one
// that shares most words with the question, citing sources: extractive, so no language model.
//
// Embeddings: vecdex's offline hashing provider (lexical) through @vecdex/llamaindex's
// VecdexEmbedding; with --api-base, vecdex's OpenAI provider against that server.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { createHashingProvider, createOpenAIProvider, openVecdex } from '@vecdex/core';
import { VecdexEmbedding, VecdexVectorStore } from '@vecdex/llamaindex';
import { Document, Settings, VectorStoreIndex } from 'llamaindex';

const COLLECTION = 'docs';
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    docs: { type: 'string', default: 'docs' },
    db: { type: 'string', default: 'rag.db' },
    k: { type: 'string', short: 'k', default: '3' },
    team: { type: 'string' },
    'api-base': { type: 'string' },
    model: { type: 'string', default: 'text-embedding-3-small' },
    dimensions: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});
const [command, ...rest] = positionals;

Settings.embedModel = new VecdexEmbedding(
  flags['api-base'] !== undefined
    ? createOpenAIProvider({
        apiBase: flags['api-base'],
        apiKey: process.env.OPENAI_API_KEY ?? 'local',
        model: flags.model,
        dimensions: Number(flags.dimensions),
      })
    : createHashingProvider({ dimensions: 512 }),
);
const vx = await openVecdex({
  config: { backend: { use: sqlitevec, options: { path: path.resolve(flags.db) } }, dataDir: `${path.resolve(flags.db)}.data` },
  env: process.env,
});
try {
  const vectorStore = new VecdexVectorStore({ vecdex: vx, collection: COLLECTION });
  if (command === 'ingest') await ingestFolder(vectorStore);
  else if (command === 'ask' && rest.length > 0) await ask(vectorStore, rest.join(' '));
  else {
    console.error('usage: node rag.mjs ingest [--docs DIR] | node rag.mjs ask "QUESTION"   (see the header of rag.mjs)');
    process.exitCode = 2;
  }
} finally {
  await vx.close();
}

async function ingestFolder(vectorStore) {
  const root = path.resolve(flags.docs);
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.md')).sort();
  const docs = [];
  for (const file of files)
    docs.push(...splitMarkdown(await readFile(path.join(root, file), 'utf8'), file.split(path.sep).join('/')));
  // What is stored: each section's text, by its document id (the nodes' ref_doc_id).
  const stored = new Map();
  if (await vx.collections.has(COLLECTION)) {
    for await (const batch of vx.collection(COLLECTION).scan({ vectors: false })) {
      for (const item of batch) {
        const ref = String(item.metadata?.ref_doc_id);
        stored.set(ref, (stored.get(ref) ?? '') + (item.content ?? ''));
      }
    }
  }
  const changed = docs.filter((d) => stored.get(d.id_) !== d.text);
  for (const d of changed) if (stored.has(d.id_)) await vectorStore.delete(d.id_);
  const current = new Set(docs.map((d) => d.id_));
  const gone = [...stored.keys()].filter((ref) => !current.has(ref));
  for (const ref of gone) await vectorStore.delete(ref);
  if (changed.length > 0) await VectorStoreIndex.fromDocuments(changed, { vectorStores: { TEXT: vectorStore } });
  const report = {
    files: files.length,
    sections: docs.length,
    written: changed.length,
    unchanged: docs.length - changed.length,
    deleted: gone.length,
  };
  if (flags.json) console.log(JSON.stringify(report));
  else
    console.log(
      `${files.length} files, ${docs.length} sections: ${report.written} written, ${report.unchanged} unchanged, ${report.deleted} deleted`,
    );
}

/** One Document per `##` section (or the part before the first), titled with its headings. */
function splitMarkdown(text, source) {
  const docs = [];
  let title = '';
  let heading = '';
  let lines = [];
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') {
      const label = [title, heading].filter(Boolean).join(' › ');
      docs.push(new Document({ id_: `${source}#${label}`, text: `${label}\n\n${body}`, metadata: { source, heading: label } }));
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
  return docs;
}

async function ask(vectorStore, question) {
  const index = await VectorStoreIndex.fromVectorStore(vectorStore);
  const filters =
    flags.team !== undefined ? { filters: [{ key: 'source', value: `${flags.team}.md`, operator: '==' }] } : undefined;
  const found = await index
    .asRetriever({ similarityTopK: Number(flags.k), ...(filters ? { filters } : {}) })
    .retrieve({ query: question });
  const out = {
    question,
    answer: extract(question, found[0]?.node.getContent()),
    sources: found.map((n) => ({ source: n.node.metadata.source, heading: n.node.metadata.heading })),
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
