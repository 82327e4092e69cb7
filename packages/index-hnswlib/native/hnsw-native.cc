// vecdex's own build of hnswlib for @vecdex/index-hnswlib (see native/README.md).
//
// The same hnswlib headers hnswlib-node 3.0.0 ships (so the same graph and the same index file
// format), compiled by native/build.mjs for the CPU of the machine that builds it (-march=native:
// hnswlib's AVX-512 / AVX distance kernels instead of SSE), and three things hnswlib-node lacks:
//   - addPoints(vectors, labels, threads): a batch inserted by several threads at once (hnswlib's
//     addPoint is safe to call concurrently; only resizeIndex is not, and the caller sizes first);
//   - vectors passed as Float32Array (one memcpy, not a property read per component);
//   - search results as typed arrays;
//   - the graph's vectors and layer-0 links in transparent huge pages where the kernel allows
//     them on request (madvise mode): a search reads ~1,000 scattered nodes, and with 4 KiB
//     pages nearly every one is a TLB miss once the graph outgrows the TLB's reach;
//   - setUpdateNeighborProbability(p): how much of an updated point's old neighbourhood an update
//     in place re-links (hnswlib's updatePoint argument, which its addPoint fixes at 1.0).
// Everything else mirrors hnswlib-node's HierarchicalNSW (same names, arguments and behaviour:
// cosine normalises in float32 as it does, readIndex/writeIndex return Promise<boolean>), so the
// plugin drives either binding through one interface.
#define NAPI_VERSION 8
#include <napi.h>

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hnswlib/hnswlib.h"

namespace {

using Graph = hnswlib::HierarchicalNSW<float>;

// hnswlib-node's normalisation, in the same order and precision (a float sum of squares).
void normalize(float* v, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; i++) sum += v[i] * v[i];
  const float norm = std::sqrt(std::fabs(sum));
  if (norm > 0.0f) {
    for (size_t i = 0; i < dim; i++) v[i] /= norm;
  }
}

[[noreturn]] void fail(Napi::Env env, const std::string& message) { throw Napi::Error::New(env, message); }

[[noreturn]] void failType(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

// How an hnswlib exception reads in JavaScript (as hnswlib-node words it).
std::string hnswlibError(const std::exception& e) { return std::string("Hnswlib Error: ") + e.what(); }

// Run an hnswlib call on the JavaScript thread: an exception it throws becomes a JavaScript error.
template <typename Call>
auto callHnswlib(Napi::Env env, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const std::exception& e) {
    fail(env, hnswlibError(e));
  }
}

uint32_t uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) failType(info.Env(), std::string("Invalid ") + what + ": must be a number.");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 4294967295.0 || d != std::floor(d)) failType(info.Env(), std::string("Invalid ") + what + ": must be an integer in 0..2^32-1.");
  return static_cast<uint32_t>(d);
}

// A vector argument (Float32Array or an array of numbers) of exactly `dim` components into `out`.
void readVector(Napi::Env env, Napi::Value value, uint32_t dim, float* out) {
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    Napi::Float32Array a = value.As<Napi::Float32Array>();
    if (a.ElementLength() != dim) fail(env, "Invalid vector size: must be equal to the dimension of the space (" + std::to_string(dim) + ").");
    std::memcpy(out, a.Data(), dim * sizeof(float));
    return;
  }
  if (!value.IsArray()) failType(env, "Invalid vector: must be a Float32Array or an array of numbers.");
  Napi::Array a = value.As<Napi::Array>();
  if (a.Length() != dim) fail(env, "Invalid vector size: must be equal to the dimension of the space (" + std::to_string(dim) + ").");
  for (uint32_t i = 0; i < dim; i++) {
    Napi::Value x = a[i];
    if (!x.IsNumber()) failType(env, "Invalid vector: component " + std::to_string(i) + " is not a number.");
    out[i] = x.As<Napi::Number>().FloatValue();
  }
}

// The JavaScript filter of searchKnn. An exception from it must not unwind through hnswlib (which
// would keep its visited list): it is kept, every later label is allowed so the search ends
// quickly, and searchKnn rethrows it.
class JsFilter : public hnswlib::BaseFilterFunctor {
 public:
  JsFilter(Napi::Env env, Napi::Function fn) : env_(env), fn_(fn) {}
  bool operator()(hnswlib::labeltype label) override {
    if (failed_) return true;
    try {
      return fn_.Call({Napi::Number::New(env_, static_cast<double>(label))}).ToBoolean().Value();
    } catch (const Napi::Error& e) {
      failed_ = true;
      error_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      return true;
    }
  }
  void rethrow() {
    if (failed_) throw Napi::Error(env_, error_.Value());
  }

 private:
  Napi::Env env_;
  Napi::Function fn_;
  bool failed_ = false;
  Napi::Reference<Napi::Value> error_;
};

// Ask for transparent huge pages over the 2 MiB-aligned interior of a graph's layer-0 block
// (vectors and layer-0 links, hnswlib's data_level0_memory_; the upper layers are small) before
// it is touched, so it faults in as huge pages: after initIndex and resizeIndex here, and in
// loadIndex between its allocation and its read (the build's second patch calls this). Only a
// request: where THP is off ("never"), or no huge page is free, the kernel keeps 4 KiB pages and
// nothing else changes. VECDEX_HNSWLIB_HUGEPAGES=0 turns it off (to compare).
bool hugePagesWanted() {
  static const bool wanted = [] {
    const char* v = std::getenv("VECDEX_HNSWLIB_HUGEPAGES");
    return v == nullptr || std::string(v) != "0";
  }();
  return wanted;
}

}  // namespace

namespace hnswlib {
void vecdexAdviseHugePages(void* memory, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (memory == nullptr || !hugePagesWanted()) return;
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(memory);
  const uintptr_t start = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (begin + bytes) & ~(kHuge - 1);
  if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
#else
  (void)memory;
  (void)bytes;
#endif
}
}  // namespace hnswlib

namespace {

void preferHugePages(Graph* g) {
  if (g != nullptr) hnswlib::vecdexAdviseHugePages(g->data_level0_memory_, g->max_elements_ * g->size_data_per_element_);
}

// A point's layer-0 links (a copy, under its lock).
std::vector<hnswlib::tableint> levelZeroLinks(Graph* g, hnswlib::tableint id) {
  std::unique_lock<std::mutex> lock(g->link_list_locks_[id]);
  hnswlib::linklistsizeint* list = g->get_linklist0(id);
  const hnswlib::tableint* links = reinterpret_cast<hnswlib::tableint*>(list + 1);
  return std::vector<hnswlib::tableint>(links, links + g->getListCount(list));
}

// After an update in place without the neighbours' repair: the point's new layer-0 links (at
// most M, from hnswlib's heuristic, in a list that holds 2·M) replaced its old ones, and a node
// that only the point linked to would no longer be reachable (seen in the index model tests:
// hits missing at an efSearch that should find every item). The old links that fit are put back
// after the new ones: every node the point reached before, it still reaches.
void keepOldLinks(Graph* g, hnswlib::tableint id, const std::vector<hnswlib::tableint>& before) {
  std::unique_lock<std::mutex> lock(g->link_list_locks_[id]);
  hnswlib::linklistsizeint* list = g->get_linklist0(id);
  hnswlib::tableint* links = reinterpret_cast<hnswlib::tableint*>(list + 1);
  size_t count = g->getListCount(list);
  for (const hnswlib::tableint old : before) {
    if (count >= g->maxM0_) break;
    if (old == id) continue;
    bool present = false;
    for (size_t i = 0; i < count && !present; i++) present = links[i] == old;
    if (!present) links[count++] = old;
  }
  g->setListCount(list, static_cast<unsigned short>(count));
}

// hnswlib's addPoint, except that a label the graph holds (live, or a tombstone it revives) is
// updated in place with `repair` as updatePoint's neighbour-repair probability where addPoint
// passes 1.0. The same steps as addPoint's: revive, then updatePoint (which copies the vector
// and re-links the point; each old neighbour's links are redone with probability `repair`).
void addOrUpdate(Graph* g, const float* vector, hnswlib::labeltype label, int level, float repair) {
  if (repair < 1.0f) {
    std::unique_lock<std::mutex> lock(g->label_lookup_lock);
    auto found = g->label_lookup_.find(label);
    if (found != g->label_lookup_.end()) {
      const hnswlib::tableint id = found->second;
      if (g->allow_replace_deleted_ && g->isMarkedDeleted(id)) {
        throw std::runtime_error("Can't use addPoint to update deleted elements if replacement of deleted elements is enabled.");
      }
      lock.unlock();
      if (g->isMarkedDeleted(id)) g->unmarkDeletedInternal(id);
      const std::vector<hnswlib::tableint> before = levelZeroLinks(g, id);
      g->updatePoint(vector, id, repair);
      keepOldLinks(g, id, before);
      return;
    }
  }
  g->addPoint(vector, label, level);
}

class NativeHnsw;

// Work off the JavaScript thread (read, write, batch insert): resolves a promise, keeps the index
// object alive meanwhile, and marks it busy so no mutation can overlap it.
class GraphWork : public Napi::AsyncWorker {
 public:
  GraphWork(Napi::Env env, NativeHnsw* owner, Napi::Object self);
  ~GraphWork() override;
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void OnOK() override;
  void OnError(const Napi::Error& e) override;
  // On the JavaScript thread, before the promise settles: done() on success, settled() always.
  virtual void done() {}
  virtual void settled() {}
  NativeHnsw* owner_;
  bool result_ = true;

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
};

class NativeHnsw : public Napi::ObjectWrap<NativeHnsw> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "HierarchicalNSW",
                       {
                           InstanceMethod("initIndex", &NativeHnsw::InitIndex),
                           InstanceMethod("readIndex", &NativeHnsw::ReadIndex),
                           InstanceMethod("writeIndex", &NativeHnsw::WriteIndex),
                           InstanceMethod("resizeIndex", &NativeHnsw::ResizeIndex),
                           InstanceMethod("addPoint", &NativeHnsw::AddPoint),
                           InstanceMethod("addPoints", &NativeHnsw::AddPoints),
                           InstanceMethod("markDelete", &NativeHnsw::MarkDelete),
                           InstanceMethod("searchKnn", &NativeHnsw::SearchKnn),
                           InstanceMethod("getIdsList", &NativeHnsw::GetIdsList),
                           InstanceMethod("getMaxElements", &NativeHnsw::GetMaxElements),
                           InstanceMethod("getCurrentCount", &NativeHnsw::GetCurrentCount),
                           InstanceMethod("getNumDimensions", &NativeHnsw::GetNumDimensions),
                           InstanceMethod("setEf", &NativeHnsw::SetEf),
                           InstanceMethod("setUpdateNeighborProbability", &NativeHnsw::SetUpdateNeighborProbability),
                       });
  }

  NativeHnsw(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeHnsw>(info) {
    Napi::Env env = info.Env();
    if (info.Length() != 2) fail(env, "Expected 2 arguments, but got " + std::to_string(info.Length()) + ".");
    if (!info[0].IsString()) failType(env, "Invalid the first argument type, must be a string.");
    const std::string space = info[0].As<Napi::String>().Utf8Value();
    dim_ = uint32Arg(info, 1, "dimensions");
    if (dim_ == 0) fail(env, "Invalid dimensions: must be at least 1.");
    if (space == "l2") {
      space_.reset(new hnswlib::L2Space(dim_));
    } else if (space == "ip" || space == "cosine") {
      space_.reset(new hnswlib::InnerProductSpace(dim_));
      normalize_ = space == "cosine";
    } else {
      fail(env, "Wrong space name, expected \"l2\", \"ip\", or \"cosine\".");
    }
    scratch_.resize(dim_);
  }

  hnswlib::SpaceInterface<float>* space() { return space_.get(); }
  Graph* graph() { return index_.get(); }
  void replace(Graph* next) { index_.reset(next); }
  std::atomic<bool> busy{false};
  // An addPoints in flight: hnswlib's inserts are safe with each other, not with a search.
  std::atomic<bool> inserting{false};

 private:
  // Declared before index_, so it is destroyed after it (the graph points into the space).
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<Graph> index_;
  uint32_t dim_ = 0;
  bool normalize_ = false;
  // updatePoint's neighbour-repair probability for addPoint/addPoints on a held label.
  float repair_ = 1.0f;
  std::vector<float> scratch_;

  void notBusy(Napi::Env env) {
    if (busy.load()) fail(env, "the index is being read, written or filled in the background; wait for that promise first.");
  }
  Graph* initialised(Napi::Env env) {
    if (!index_) fail(env, "Search index has not been initialized, call `initIndex` in advance.");
    return index_.get();
  }

  Napi::Value InitIndex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    notBusy(env);
    const uint32_t max = uint32Arg(info, 0, "maxElements");
    const uint32_t m = info[1].IsUndefined() ? 16 : uint32Arg(info, 1, "m");
    const uint32_t efc = info[2].IsUndefined() ? 200 : uint32Arg(info, 2, "efConstruction");
    const uint32_t seed = info[3].IsUndefined() ? 100 : uint32Arg(info, 3, "randomSeed");
    const bool replaceDeleted = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
    callHnswlib(env, [&] { index_.reset(new Graph(space_.get(), max, m, efc, seed, replaceDeleted)); });
    preferHugePages(index_.get());
    return env.Undefined();
  }

  Napi::Value ReadIndex(const Napi::CallbackInfo& info);
  Napi::Value WriteIndex(const Napi::CallbackInfo& info);
  Napi::Value AddPoints(const Napi::CallbackInfo& info);

  Napi::Value ResizeIndex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    notBusy(env);
    Graph* g = initialised(env);
    const uint32_t max = uint32Arg(info, 0, "maxElements");
    callHnswlib(env, [&] { g->resizeIndex(max); });
    preferHugePages(g);
    return env.Undefined();
  }

  Napi::Value AddPoint(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    notBusy(env);
    Graph* g = initialised(env);
    readVector(env, info[0], dim_, scratch_.data());
    const uint32_t label = uint32Arg(info, 1, "label");
    const bool replaceDeleted = info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
    if (normalize_) normalize(scratch_.data(), dim_);
    callHnswlib(env, [&] {
      if (replaceDeleted) g->addPoint(scratch_.data(), label, true);
      else addOrUpdate(g, scratch_.data(), label, -1, repair_);
    });
    return env.Undefined();
  }

  Napi::Value MarkDelete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    notBusy(env);
    Graph* g = initialised(env);
    const uint32_t label = uint32Arg(info, 0, "label");
    callHnswlib(env, [&] { g->markDelete(label); });
    return env.Undefined();
  }

  Napi::Value SearchKnn(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Graph* g = initialised(env);
    if (inserting.load()) fail(env, "the index is being filled by addPoints; search once that promise settles.");
    readVector(env, info[0], dim_, scratch_.data());
    const uint32_t k = uint32Arg(info, 1, "k");
    if (k > g->max_elements_) {
      fail(env, "Invalid the number of k-nearest neighbors (cannot be given a value greater than `maxElements`: " +
                    std::to_string(g->max_elements_) + ").");
    }
    if (normalize_) normalize(scratch_.data(), dim_);
    std::unique_ptr<JsFilter> filter;
    if (info[2].IsFunction()) filter.reset(new JsFilter(env, info[2].As<Napi::Function>()));
    std::priority_queue<std::pair<float, hnswlib::labeltype>> knn =
        callHnswlib(env, [&] { return g->searchKnn(scratch_.data(), k, filter.get()); });
    if (filter) filter->rethrow();
    const size_t n = knn.size();
    Napi::Float32Array distances = Napi::Float32Array::New(env, n);
    Napi::Float64Array neighbors = Napi::Float64Array::New(env, n);
    for (size_t i = n; i-- > 0;) {
      distances[i] = knn.top().first;
      neighbors[i] = static_cast<double>(knn.top().second);
      knn.pop();
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("distances", distances);
    out.Set("neighbors", neighbors);
    return out;
  }

  Napi::Value GetIdsList(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!index_) return Napi::Array::New(env, 0);
    std::vector<hnswlib::labeltype> ids;
    {
      std::unique_lock<std::mutex> lock(index_->label_lookup_lock);
      ids.reserve(index_->label_lookup_.size());
      for (const auto& kv : index_->label_lookup_) ids.push_back(kv.first);
    }
    Napi::Array out = Napi::Array::New(env, ids.size());
    for (size_t i = 0; i < ids.size(); i++) out[static_cast<uint32_t>(i)] = Napi::Number::New(env, static_cast<double>(ids[i]));
    return out;
  }

  Napi::Value GetMaxElements(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), index_ ? static_cast<double>(index_->getMaxElements()) : 0);
  }
  Napi::Value GetCurrentCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), index_ ? static_cast<double>(index_->getCurrentElementCount()) : 0);
  }
  Napi::Value GetNumDimensions(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), dim_); }
  Napi::Value SetEf(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Graph* g = initialised(env);
    g->setEf(uint32Arg(info, 0, "ef"));
    return env.Undefined();
  }

  // setUpdateNeighborProbability(p in 0..1): see addOrUpdate. Kept by this object, not in the file.
  Napi::Value SetUpdateNeighborProbability(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    notBusy(env);
    if (!info[0].IsNumber()) failType(env, "Invalid probability: must be a number.");
    const double p = info[0].As<Napi::Number>().DoubleValue();
    if (!(p >= 0.0 && p <= 1.0)) failType(env, "Invalid probability: must be a number in 0..1.");
    repair_ = static_cast<float>(p);
    return env.Undefined();
  }

  friend class AddPointsWork;
  float repair() const { return repair_; }
  bool normalizes() const { return normalize_; }
  uint32_t dim() const { return dim_; }
};

GraphWork::GraphWork(Napi::Env env, NativeHnsw* owner, Napi::Object self)
    : Napi::AsyncWorker(env), owner_(owner), deferred_(Napi::Promise::Deferred::New(env)), self_(Napi::Persistent(self)) {
  owner_->busy.store(true);
}
GraphWork::~GraphWork() = default;
void GraphWork::OnOK() {
  done();
  settled();
  owner_->busy.store(false);
  deferred_.Resolve(Napi::Boolean::New(Env(), result_));
}
void GraphWork::OnError(const Napi::Error& e) {
  settled();
  owner_->busy.store(false);
  deferred_.Reject(e.Value());
}

class ReadWork : public GraphWork {
 public:
  ReadWork(Napi::Env env, NativeHnsw* owner, Napi::Object self, std::string file, bool replaceDeleted)
      : GraphWork(env, owner, self), file_(std::move(file)), replaceDeleted_(replaceDeleted) {}
  void Execute() override {
    try {
      std::ifstream probe(file_);
      if (!probe.is_open()) throw std::runtime_error("failed to open file: " + file_);
      probe.close();
      read_.reset(new Graph(owner_->space(), file_, false, 0, replaceDeleted_));
    } catch (const std::exception& e) {
      SetError(hnswlibError(e));
    }
  }
  void done() override { owner_->replace(read_.release()); }

 private:
  std::string file_;
  bool replaceDeleted_;
  std::unique_ptr<Graph> read_;
};

class WriteWork : public GraphWork {
 public:
  WriteWork(Napi::Env env, NativeHnsw* owner, Napi::Object self, std::string file)
      : GraphWork(env, owner, self), file_(std::move(file)) {}
  void Execute() override {
    try {
      owner_->graph()->saveIndex(file_);
    } catch (const std::exception& e) {
      SetError(hnswlibError(e));
    }
  }

 private:
  std::string file_;
};

class AddPointsWork : public GraphWork {
 public:
  AddPointsWork(Napi::Env env, NativeHnsw* owner, Napi::Object self, std::vector<float> data, std::vector<uint32_t> labels, uint32_t threads)
      : GraphWork(env, owner, self), data_(std::move(data)), labels_(std::move(labels)), threads_(threads), repair_(owner->repair()) {
    owner_->inserting.store(true);
  }
  void settled() override { owner_->inserting.store(false); }
  void Execute() override {
    Graph* g = owner_->graph();
    const size_t dim = owner_->dim();
    const size_t n = labels_.size();
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex errorLock;
    std::string error;
    // Levels for the new labels are drawn here, in the batch's order, from the graph's own
    // generator: the draws one thread would make, and no two threads sharing the generator
    // (hnswlib's addPoint draws from it unlocked, a data race that skews levels). Live labels
    // (updates, revived tombstones) draw nothing, as in hnswlib.
    std::vector<int> levels(n, -1);
    {
      std::unique_lock<std::mutex> lock(g->label_lookup_lock);
      std::vector<bool> fresh(n);
      for (size_t i = 0; i < n; i++) fresh[i] = g->label_lookup_.find(labels_[i]) == g->label_lookup_.end();
      lock.unlock();
      for (size_t i = 0; i < n; i++)
        if (fresh[i]) levels[i] = g->getRandomLevel(g->mult_);
    }
    auto insert = [&](size_t i) {
      std::unique_lock<std::mutex> lock(g->getLabelOpMutex(labels_[i]));
      addOrUpdate(g, data_.data() + i * dim, labels_[i], levels[i], repair_);
    };
    auto run = [&]() {
      for (;;) {
        if (stop.load()) return;
        const size_t i = next.fetch_add(1);
        if (i >= n) return;
        try {
          insert(i);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(errorLock);
          if (!stop.exchange(true)) error = hnswlibError(e);
        }
      }
    };
    // Small batches, and the first points of an empty graph, go in one at a time: too little work
    // to share, and hnswlib's first insert sets the entry point.
    size_t threads = threads_ < 1 ? 1 : threads_;
    if (n < threads * 16) threads = 1;
    if (threads > 1 && g->getCurrentElementCount() == 0 && n > 0) {
      try {
        insert(0);
        next.store(1);
      } catch (const std::exception& e) {
        SetError(hnswlibError(e));
        return;
      }
    }
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; t++) pool.emplace_back(run);
    run();
    for (auto& t : pool) t.join();
    if (stop.load()) SetError(error);
  }

 private:
  std::vector<float> data_;
  std::vector<uint32_t> labels_;
  uint32_t threads_;
  float repair_;
};

Napi::Value NativeHnsw::ReadIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  notBusy(env);
  if (!info[0].IsString()) failType(env, "Invalid the first argument type, must be a string.");
  const bool replaceDeleted = info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  auto* work = new ReadWork(env, this, info.This().As<Napi::Object>(), info[0].As<Napi::String>().Utf8Value(), replaceDeleted);
  work->Queue();
  return work->promise();
}

Napi::Value NativeHnsw::WriteIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  notBusy(env);
  initialised(env);
  if (!info[0].IsString()) failType(env, "Invalid the first argument type, must be a string.");
  auto* work = new WriteWork(env, this, info.This().As<Napi::Object>(), info[0].As<Napi::String>().Utf8Value());
  work->Queue();
  return work->promise();
}

// addPoints(vectors: Float32Array of n * dim, labels: Uint32Array of n, threads): Promise<boolean>.
// Each label is new (a slot), live (an update in place) or a tombstone (revived in place), and
// appears once; the capacity must already hold the new ones.
Napi::Value NativeHnsw::AddPoints(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  notBusy(env);
  Graph* g = initialised(env);
  if (!(info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)) {
    failType(env, "Invalid vectors: must be a Float32Array.");
  }
  if (!(info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array)) {
    failType(env, "Invalid labels: must be a Uint32Array.");
  }
  Napi::Float32Array vectors = info[0].As<Napi::Float32Array>();
  Napi::Uint32Array labels = info[1].As<Napi::Uint32Array>();
  const uint32_t threads = uint32Arg(info, 2, "threads");
  const size_t n = labels.ElementLength();
  if (vectors.ElementLength() != n * dim_) {
    fail(env, "Invalid vectors: " + std::to_string(n) + " labels need " + std::to_string(n * dim_) + " floats, got " +
                  std::to_string(vectors.ElementLength()) + ".");
  }
  // New labels beyond the capacity fail inside hnswlib's addPoint (under its lock), and the
  // promise rejects; the caller sizes the graph first.
  std::vector<float> data(vectors.Data(), vectors.Data() + n * dim_);
  if (normalize_) {
    for (size_t i = 0; i < n; i++) normalize(data.data() + i * dim_, dim_);
  }
  std::vector<uint32_t> ids(labels.Data(), labels.Data() + n);
  auto* work = new AddPointsWork(env, this, info.This().As<Napi::Object>(), std::move(data), std::move(ids), threads);
  work->Queue();
  return work->promise();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("HierarchicalNSW", NativeHnsw::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(vecdex_hnsw_native, Init)
