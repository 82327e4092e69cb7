// What compiling hnswlib for this CPU is worth, before anyone builds a plugin on it: the same
// hnswlib headers hnswlib-node 3.0.0 ships (its src/hnswlib), the same seeded clustered data
// shape as bench/lib/clustered.mjs (1,000 centres, sigma 0.1, 128-d, l2), M 16, efConstruction
// 100, one thread; QPS of searchKnn at ef 32 / 64 / 128 (2,000 queries, 3 passes) and the build
// time. Compile it three ways and run them in turn on a quiet machine:
//
//   H=$(ls -d node_modules/.pnpm/hnswlib-node@3.0.0/node_modules/hnswlib-node/src)
//   g++ -O3 -std=c++17 -I$H bench/native/hnswlib-simd-probe.cc -o /tmp/probe-sse        # what node-gyp builds: SSE
//   g++ -O3 -mavx2 -mfma -std=c++17 -I$H bench/native/hnswlib-simd-probe.cc -o /tmp/probe-avx2
//   g++ -O3 -march=native -std=c++17 -I$H bench/native/hnswlib-simd-probe.cc -o /tmp/probe-native
//   for b in sse avx2 native sse avx2 native; do echo -n "$b: "; /tmp/probe-$b 200000; done
//
// Not part of any test or table; bench/README.md ("What an hnswlib compiled for this CPU would
// give") has its figures.
#include "hnswlib/hnswlib.h"
#include <chrono>
#include <random>
#include <cstdio>
int main(int argc, char** argv) {
  int n = atoi(argv[1]), d = 128, nq = 2000;
  std::mt19937 rng(1); std::normal_distribution<float> g(0, 1); std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> c(1000 * d); for (auto& x : c) x = u(rng);
  std::vector<float> data((size_t)n * d), q((size_t)nq * d);
  for (int i = 0; i < n; i++) { int k = rng() % 1000; for (int j = 0; j < d; j++) data[(size_t)i*d+j] = c[k*d+j] + 0.1f * g(rng); }
  for (int i = 0; i < nq; i++) { int k = rng() % 1000; for (int j = 0; j < d; j++) q[(size_t)i*d+j] = c[k*d+j] + 0.1f * g(rng); }
  hnswlib::L2Space space(d);
  auto t0 = std::chrono::steady_clock::now();
  hnswlib::HierarchicalNSW<float> idx(&space, n, 16, 100, 100);
  for (int i = 0; i < n; i++) idx.addPoint(&data[(size_t)i*d], i);
  double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (int ef : {32, 64, 128}) {
    idx.setEf(ef);
    auto t1 = std::chrono::steady_clock::now();
    size_t s = 0;
    for (int r = 0; r < 3; r++) for (int i = 0; i < nq; i++) s += idx.searchKnn(&q[(size_t)i*d], 10).size();
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    printf("ef %d qps %.0f ", ef, 3 * nq / el);
  }
  printf("build %.1f s\n", build);
}
