// A steady-state inference allocates nothing: this binary replaces the global operator new and
// counts every call, then checks that Executor::Invoke() makes none after a warm-up run, with
// both kernel sets, on a real chain model and on a DAG with several inputs and outputs.
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "exec_test_util.h"
#include "segpipe/exec/internal/executor.h"
#include "segpipe/tflite/internal/reader.h"

namespace {
std::atomic<int64_t> g_allocations{0};
// While set, allocations are also attributed: those whose immediate caller lies inside the
// oneDNN library (its primitive_execute builds an argument map per call) are counted apart.
std::atomic<bool> g_attribute{false};
std::atomic<int64_t> g_allocations_in_dnnl{0};
const void* g_dnnl_base = nullptr;

void Count(const void* caller) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (!g_attribute.load(std::memory_order_relaxed)) return;
  Dl_info info;
  if (dladdr(caller, &info) != 0 && info.dli_fbase == g_dnnl_base) {
    g_allocations_in_dnnl.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

// The replacements pair malloc with free on purpose; GCC cannot see that new and delete here
// are the matching pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  Count(__builtin_return_address(0));
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  Count(__builtin_return_address(0));
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  Count(__builtin_return_address(0));
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace segpipe {
namespace {

class NoAllocationTest : public ::testing::TestWithParam<std::tuple<std::string, KernelSet>> {};

TEST_P(NoAllocationTest, InvokeAllocatesNothingAfterWarmUp) {
  const auto& [file, set] = GetParam();
  StatusOr<Model> model = ReadTfliteFile(testing::SharedPath("models/" + file));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  StatusOr<std::unique_ptr<Executor>> exec = Executor::Create(*model, {.kernels = set, .num_threads = 1});
  ASSERT_TRUE(exec.ok()) << exec.status().ToString();
  const std::vector<testing::TensorSet> inputs = testing::RandomInputSets(*model, 1, 5);
  for (int i = 0; i < (*exec)->num_inputs(); ++i) {
    std::copy(inputs[0][i].begin(), inputs[0][i].end(), (*exec)->input(i).begin());
  }
  (*exec)->Invoke();  // warm-up: lazily initialised state may allocate once
  // The counter itself must see allocations, or the check below proves nothing.
  const int64_t probe_before = g_allocations.load();
  static int* volatile probe;  // volatile: the compiler may not elide this allocation
  probe = new int(1);
  delete probe;
  ASSERT_EQ(g_allocations.load(), probe_before + 1);

  Dl_info dnnl_info;
  ASSERT_NE(dladdr(reinterpret_cast<const void*>(&dnnl_primitive_execute), &dnnl_info), 0);
  g_dnnl_base = dnnl_info.dli_fbase;
  const int64_t before = g_allocations.load();
  const int64_t before_in_dnnl = g_allocations_in_dnnl.load();
  g_attribute = true;
  for (int run = 0; run < 3; ++run) (*exec)->Invoke();
  g_attribute = false;
  const int64_t total = g_allocations.load() - before;
  const int64_t in_dnnl = g_allocations_in_dnnl.load() - before_in_dnnl;
  RecordProperty("allocations_in_onednn_per_inference", static_cast<int>(in_dnnl / 3));
  if (set == KernelSet::kReference) {
    EXPECT_EQ(total, 0) << "allocations during 3 inferences";
  } else {
    // oneDNN 2.6's dnnl_primitive_execute builds a std::unordered_map of its arguments on every
    // call; that is inside the library and outside our control. Everything else must be free.
    EXPECT_EQ(total - in_dnnl, 0) << "allocations outside oneDNN during 3 inferences";
    std::printf("fast kernels: %lld allocations inside oneDNN per inference\n",
                static_cast<long long>(in_dnnl / 3));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, NoAllocationTest,
    ::testing::Combine(::testing::Values("coral/mobilenet_v1_0.25_128_quant.tflite",
                                         "coral/tools__split_concat.tflite",
                                         "tflite_micro/micro_speech_quantized.tflite"),
                       ::testing::Values(KernelSet::kReference, KernelSet::kFast)),
    [](const auto& info) {
      std::string name = std::get<0>(info.param).substr(std::get<0>(info.param).find('/') + 1);
      name = name.substr(0, name.rfind('.'));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name + (std::get<1>(info.param) == KernelSet::kFast ? "_fast" : "_reference");
    });

}  // namespace
}  // namespace segpipe
