#!/usr/bin/env node
// Retrieval-augmented answers over a folder of markdown files, with LangChain.js on vecdex.
//
//   node rag.mjs ingest [--docs DIR] [--db FILE] [--cleanup full|incremental] [--json]
//   node rag.mjs ask "QUESTION" [--db FILE] [-k 3] [--json]
//   (both) [--api-base URL --model NAME --dimensions N]   embed through an OpenAI-compatible server
//
// ingest: every *.md under --docs (default ./docs) is split into one document per section
// (`#`/`##` headings), and LangChain's index() writes them to a vecdex collection through
// @vecdex/langchain's VecdexVectorStore, with VecdexRecordManager keeping index()'s records in
// the same SQLite file (--db, default ./rag.db). Re-running writes only what changed; with
// cleanup full (the default), sections and files that are gone are deleted.
// ask: a LangChain retriever chain (RunnableSequence) finds the k nearest sections and answers
// with the sentence of the best one that shares most words with the question, citing sources:
// an extractive answer, so the example runs offline with no language model.
//
// Embeddings are the collection's own vecdex model: by default vecdex's offline hashing
// provider (`hashing-512`, lexical); with --api-base, vecdex's OpenAI provider against that
// server (e.g. a local one), model --model and --dimensions.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Document } from '@langchain/core/documents';
import { index } from '@langchain/core/indexing';
import { RunnableLambda, RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import sqlitevec from '@vecdex/backend-sqlitevec';
import { openVecdex } from '@vecdex/core';
import { VecdexRecordManager, VecdexVectorStore } from '@vecdex/langchain';

const COLLECTION = 'docs';
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    docs: { type: 'string', default: 'docs' },
    db: { type: 'string', default: 'rag.db' },
    cleanup: { type: 'string', default: 'full' },
    k: { type: 'string', short: 'k', default: '3' },
    'api-base': { type: 'string' },
    model: { type: 'string', default: 'text-embedding-3-small' },
    dimensions: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});
const [command, ...rest] = positionals;
const say = (line) => {
  if (!flags.json) console.log(line);
};

const remote = flags['api-base'] !== undefined;
const model = remote ? flags.model : 'hashing-512';
const dimensions = remote ? Number(flags.dimensions) : 512;
const vx = await openVecdex({
  config: { backend: { use: sqlitevec, options: { path: path.resolve(flags.db) } }, dataDir: `${path.resolve(flags.db)}.data` },
  env: process.env,
  ...(remote
    ? { embedding: { provider: 'openai', apiBase: flags['api-base'], apiKey: process.env.OPENAI_API_KEY ?? 'local' } }
    : {}),
});
try {
  if (!(await vx.collections.has(COLLECTION)))
    await vx.collections.create({ name: COLLECTION, dimensions, metric: 'cosine', model });
  const vectorStore = new VecdexVectorStore(null, { vecdex: vx, collection: COLLECTION });
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
  const recordManager = new VecdexRecordManager({ vecdex: vx, collection: `${COLLECTION}.records` });
  await recordManager.createSchema();
  const result = await index({
    docsSource: docs,
    recordManager,
    vectorStore,
    options: { cleanup: flags.cleanup, sourceIdKey: 'source' },
  });
  const report = { files: files.length, sections: docs.length, ...result };
  if (flags.json) console.log(JSON.stringify(report));
  else
    say(
      `${files.length} files, ${docs.length} sections: ${result.numAdded} added, ${result.numSkipped} unchanged, ${result.numDeleted} deleted`,
    );
}

/** One document per `##` section (or the part before the first), titled with its headings. */
function splitMarkdown(text, source) {
  const docs = [];
  let title = '';
  let heading = '';
  let lines = [];
  const flush = () => {
    const body = lines.join('\n').trim();
    if (body !== '') {
      const label = [title, heading].filter(Boolean).join(' › ');
      docs.push(new Document({ pageContent: `${label}\n\n${body}`, metadata: { source, heading: label } }));
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
  const retriever = vectorStore.asRetriever({ k: Number(flags.k) });
  const chain = RunnableSequence.from([
    { question: new RunnablePassthrough(), docs: retriever },
    RunnableLambda.from(({ question, docs }) => ({
      question,
      answer: extract(question, docs[0]),
      sources: docs.map((d) => d.metadata),
    })),
  ]);
  const out = await chain.invoke(question);
  if (flags.json) console.log(JSON.stringify(out));
  else {
    say(out.answer);
    for (const s of out.sources) say(`  - ${s.source}: ${s.heading}`);
  }
}

/** The sentence of the document sharing most words with the question. */
function extract(question, doc) {
  if (doc === undefined) return 'Nothing is indexed yet: run `node rag.mjs ingest` first.';
  const words = (s) => new Set(s.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []);
  const asked = words(question);
  const body = doc.pageContent.split('\n\n').slice(1).join(' ').replace(/\s+/g, ' ');
  const sentences = body.split(/(?<=[.!?])\s+/);
  let best = sentences[0] ?? '';
  let bestScore = -1;
  for (const s of sentences) {
    const score = [...words(s)].filter((w) => asked.has(w)).length;
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best;
}
