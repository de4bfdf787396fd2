#include <dnnl.hpp>
#include <map>
#include <string>
#include <tuple>

#include "core/error.h"
#include "kernels/gemm_bf16.h"

namespace paratrain::kernels {

namespace {

using dnnl::memory;

// Everything that fixes a primitive: the shape, the layouts and the scalars.
using GemmKey = std::tuple<bool, bool, int, int, int, int, int, int, float, float>;

struct Engine {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

Engine& engine() {
  static Engine instance;
  return instance;
}

// A (rows, cols) row-major matrix with leading dimension ld, read as op(X).
memory::desc matrix_desc(memory::data_type type, Trans trans, int rows, int cols, int ld) {
  const memory::dims dims{rows, cols};
  const memory::dims strides = trans == Trans::kNo ? memory::dims{ld, 1} : memory::dims{1, ld};
  return memory::desc(dims, type, strides);
}

dnnl::matmul::primitive_desc describe(const GemmKey& key) {
  const auto [trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta] = key;
  const auto bf16 = memory::data_type::bf16;
  const auto a = matrix_desc(bf16, trans_a ? Trans::kYes : Trans::kNo, m, k, lda);
  const auto b = matrix_desc(bf16, trans_b ? Trans::kYes : Trans::kNo, k, n, ldb);
  const auto c = matrix_desc(memory::data_type::f32, Trans::kNo, m, n, ldc);
  dnnl::primitive_attr attr;
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  if (beta != 0.0f) {
    dnnl::post_ops sum;
    sum.append_sum(beta);
    attr.set_post_ops(sum);
  }
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), attr, engine().engine);
}

// oneDNN's reference loops are correct but far slower than widening to fp32.
bool is_reference(const std::string& impl) { return impl.rfind("ref", 0) == 0; }

struct Probe {
  bool native = false;
  std::string path;
};

// One probe at start: a model-like shape, asked for once.
const Probe& probe() {
  static const Probe result = [] {
    Probe found;
    try {
      const auto pd = describe(GemmKey{false, true, 64, 64, 64, 64, 64, 64, 1.0f, 0.0f});
      found.path = pd.impl_info_str();
      found.native = !is_reference(found.path);
      if (!found.native) found.path = "emulated (oneDNN has only '" + found.path + "' for bf16)";
    } catch (const dnnl::error&) {
      found.path = "emulated (oneDNN has no bf16 matmul for this CPU)";
    }
    return found;
  }();
  return result;
}

struct CachedGemm {
  dnnl::matmul primitive;
  memory::desc a, b, c;
};

CachedGemm& cached(const GemmKey& key) {
  static std::map<GemmKey, CachedGemm> cache;
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  const auto pd = describe(key);
  return cache.emplace(key, CachedGemm{dnnl::matmul(pd), pd.src_desc(), pd.weights_desc(),
                                       pd.dst_desc()})
      .first->second;
}

}  // namespace

void gemm_bf16(Trans trans_a, Trans trans_b, int m, int n, int k, float alpha, const Bf16* a,
               int lda, const Bf16* b, int ldb, float beta, float* c, int ldc) {
  if (!probe().native) {
    gemm_bf16_emulated(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if (m == 0 || n == 0) return;
  const GemmKey key{trans_a == Trans::kYes, trans_b == Trans::kYes, m, n, k, lda, ldb, ldc,
                    alpha, beta};
  CachedGemm& gemm = cached(key);
  Engine& eng = engine();
  // oneDNN takes non-const handles; it only reads the sources.
  memory a_mem(gemm.a, eng.engine, const_cast<Bf16*>(a));
  memory b_mem(gemm.b, eng.engine, const_cast<Bf16*>(b));
  memory c_mem(gemm.c, eng.engine, c);
  gemm.primitive.execute(eng.stream,
                         {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
  eng.stream.wait();
}

bool gemm_bf16_native() { return probe().native; }

const char* gemm_fp32_isa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}
const char* gemm_bf16_path() { return probe().path.c_str(); }

}  // namespace paratrain::kernels
