// Fashion-MNIST for benchmarks: the Debian package's IDX files, decoded to float32 vectors, and
// exact k-NN ground truth (brute force, cached in os.tmpdir()).
//
// The vectors are the raw pixel values (0-255) as float32, 784-d, compared with l2: the same as
// ann-benchmarks' `fashion-mnist-784-euclidean` (train = base, t10k = queries).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';

export const DATA_DIR = '/usr/share/datasets/fashion-mnist';
export const DIMENSIONS = 784;
const FILES = {
  train: 'train-images-idx3-ubyte.gz',
  test: 't10k-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};

/**
 * Make sure the IDX files are there: install Debian's `dataset-fashion-mnist` when they are not
 * (as root, like CI installs PostgreSQL). `dir` overrides the location (no install then).
 */
export function ensureFashionMnist(dir = DATA_DIR, log = () => {}) {
  const present = () => Object.values(FILES).every((f) => fs.existsSync(path.join(dir, f)));
  if (present()) return dir;
  if (dir !== DATA_DIR) throw new Error(`Fashion-MNIST IDX files not found in ${dir}`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`Fashion-MNIST is not installed: run \`apt-get install -y dataset-fashion-mnist\` as root`);
  }
  log('installing dataset-fashion-mnist (apt-get) ...');
  const apt = (args) =>
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    apt(['install', '-y', 'dataset-fashion-mnist']);
  } catch {
    apt(['update']);
    apt(['install', '-y', 'dataset-fashion-mnist']);
  }
  if (!present()) throw new Error(`dataset-fashion-mnist installed, but ${dir} lacks the IDX files`);
  return dir;
}

/** Decode a gzipped IDX file: `{ dims, data: Uint8Array }` (uint8 payload only). */
export function readIdx(file) {
  const buf = zlib.gunzipSync(fs.readFileSync(file));
  const magic = buf.readUInt32BE(0);
  if (magic >>> 8 !== 0x000008) throw new Error(`${file}: not a uint8 IDX file (magic 0x${magic.toString(16)})`);
  const rank = magic & 0xff;
  const dims = [];
  for (let i = 0; i < rank; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== offset + size) throw new Error(`${file}: ${buf.length - offset} payload bytes, header says ${size}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, size) };
}

/**
 * Load `base` train vectors and `queries` test vectors as one Float32Array each (row-major,
 * 784 per row), plus their class labels.
 */
export function loadFashionMnist({ base = 60_000, queries = 1_000, dir = DATA_DIR } = {}) {
  const images = (name, n) => {
    const { dims, data } = readIdx(path.join(dir, FILES[name]));
    if (dims.length !== 3 || dims[1] * dims[2] !== DIMENSIONS)
      throw new Error(`${FILES[name]}: unexpected shape ${dims.join('x')}`);
    if (n > dims[0]) throw new Error(`${FILES[name]} has ${dims[0]} vectors, ${n} asked`);
    const out = new Float32Array(n * DIMENSIONS);
    for (let i = 0; i < out.length; i++) out[i] = data[i];
    return { vectors: out, available: dims[0] };
  };
  const labels = (name, n) => readIdx(path.join(dir, FILES[name])).data.slice(0, n);
  const train = images('train', base);
  const test = images('test', queries);
  return {
    dimensions: DIMENSIONS,
    base: train.vectors,
    baseCount: base,
    baseLabels: labels('trainLabels', base),
    queries: test.vectors,
    queryCount: queries,
    testAvailable: test.available,
    trainAvailable: train.available,
  };
}

/** Test-set vectors `[from, from + n)`: replacement vectors for the sync benchmark. */
export function loadTestVectors(from, n, dir = DATA_DIR) {
  const { data } = readIdx(path.join(dir, FILES.test));
  const out = new Float32Array(n * DIMENSIONS);
  const start = from * DIMENSIONS;
  if (start + out.length > data.length)
    throw new Error(`the test set has ${data.length / DIMENSIONS} vectors, asked up to ${from + n}`);
  for (let i = 0; i < out.length; i++) out[i] = data[start + i];
  return out;
}

export const row = (vectors, i, dim = DIMENSIONS) => vectors.subarray(i * dim, (i + 1) * dim);

/** Exact squared l2 distance, accumulated in double (pixel values are integers, so it is exact). */
export function l2sq(a, aOff, b, bOff, dim) {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 4 <= dim; i += 4) {
    const d0 = a[aOff + i] - b[bOff + i];
    const d1 = a[aOff + i + 1] - b[bOff + i + 1];
    const d2 = a[aOff + i + 2] - b[bOff + i + 2];
    const d3 = a[aOff + i + 3] - b[bOff + i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i] - b[bOff + i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/**
 * For queries `[q0, q1)`: the `k` nearest base rows by exact squared l2, ascending (ties by
 * row number). Returns `{ ids: Int32Array(n*k), dist: Float64Array(n*k) }`.
 */
export function bruteForce(base, baseCount, queries, q0, q1, k, dim = DIMENSIONS) {
  const n = q1 - q0;
  const ids = new Int32Array(n * k);
  const dist = new Float64Array(n * k);
  const topD = new Float64Array(k);
  const topI = new Int32Array(k);
  for (let q = q0; q < q1; q++) {
    let size = 0;
    const qOff = q * dim;
    for (let b = 0; b < baseCount; b++) {
      const d = l2sq(queries, qOff, base, b * dim, dim);
      if (size === k && d >= topD[k - 1]) continue;
      // insertion into the sorted top list
      let j = size < k ? size++ : k - 1;
      while (j > 0 && topD[j - 1] > d) {
        topD[j] = topD[j - 1];
        topI[j] = topI[j - 1];
        j--;
      }
      topD[j] = d;
      topI[j] = b;
    }
    ids.set(topI.subarray(0, k), (q - q0) * k);
    dist.set(topD.subarray(0, k), (q - q0) * k);
  }
  return { ids, dist };
}

/**
 * Ground truth for the first `queryCount` test vectors against the first `baseCount` train
 * vectors: the `k` nearest (squared l2), cached in os.tmpdir() by sizes, so reruns skip it.
 * Computed on `threads` worker threads.
 */
export async function groundTruth(data, { k = 100, threads = 2, log = () => {}, cache = true } = {}) {
  const { base, baseCount, queries, queryCount, dimensions } = data;
  const file = path.join(os.tmpdir(), `vecdex-bench-fashion-mnist-gt-b${baseCount}-q${queryCount}-k${k}.bin`);
  const bytes = queryCount * k * (4 + 8);
  if (cache && fs.existsSync(file) && fs.statSync(file).size === bytes + 32) {
    const buf = fs.readFileSync(file);
    const digest = buf.subarray(bytes).toString('hex');
    if (crypto.createHash('sha256').update(buf.subarray(0, bytes)).digest('hex') === digest) {
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytes);
      log(`ground truth: cached (${file})`);
      return {
        k,
        ids: new Int32Array(ab, 0, queryCount * k),
        dist: new Float64Array(ab, queryCount * k * 4, queryCount * k),
        file,
        cached: true,
      };
    }
  }
  const started = performance.now();
  const ids = new Int32Array(queryCount * k);
  const dist = new Float64Array(queryCount * k);
  const parts = Math.max(1, Math.min(threads, queryCount));
  const per = Math.ceil(queryCount / parts);
  await Promise.all(
    Array.from({ length: parts }, (_, p) => {
      const q0 = p * per;
      const q1 = Math.min(queryCount, q0 + per);
      return new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), {
          workerData: { base, baseCount, queries, q0, q1, k, dimensions },
        });
        w.once('message', (r) => {
          ids.set(r.ids, q0 * k);
          dist.set(r.dist, q0 * k);
          resolve();
        });
        w.once('error', reject);
        w.once('exit', (code) => code !== 0 && reject(new Error(`ground-truth worker exited with ${code}`)));
      });
    }),
  );
  log(`ground truth: ${queryCount} x ${baseCount} brute force in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (cache) {
    const body = Buffer.concat([Buffer.from(ids.buffer), Buffer.from(dist.buffer)]);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]));
    fs.renameSync(tmp, file);
  }
  return { k, ids, dist, file, cached: false };
}

/**
 * recall@k of one result list, tie-aware like ann-benchmarks: a returned id counts when its exact
 * distance is within the k-th true distance. `trueKth` is that squared distance.
 */
export function recallOf(resultIds, query, trueKth, base, k, dim = DIMENSIONS) {
  let hit = 0;
  const n = Math.min(k, resultIds.length);
  for (let i = 0; i < n; i++) {
    const d = l2sq(query, 0, base, resultIds[i] * dim, dim);
    if (d <= trueKth * (1 + 1e-9)) hit++;
  }
  return hit / k;
}

// ---- worker entry ---------------------------------------------------------------------------------
const { isMainThread, parentPort, workerData } = await import('node:worker_threads');
if (!isMainThread && workerData?.q0 !== undefined && parentPort) {
  const { base, baseCount, queries, q0, q1, k, dimensions } = workerData;
  const r = bruteForce(base, baseCount, queries, q0, q1, k, dimensions);
  parentPort.postMessage(r, [r.ids.buffer, r.dist.buffer]);
}
