// Single-threaded SGEMM library comparison for the toy Transformer's own shapes.
//
// Compiled three times, once per library, because OpenBLAS and BLIS both export
// cblas_* symbols and cannot live in one binary:
//   -DUSE_OPENBLAS   OpenBLAS cblas_sgemm          (openblas_set_num_threads(1))
//   -DUSE_BLIS       BLIS cblas_sgemm              (bli_thread_set_num_threads(1))
//   -DUSE_ONEDNN     oneDNN dnnl_sgemm, OpenMP rt  (omp_set_num_threads(1))
//
// Every product is row-major C = alpha*op(A)*op(B) + beta*C. Each one is first
// checked against a double-precision triple-loop reference, then timed
// (warm-up, median of several repetitions). Results go to stdout as TSV so
// build_and_run.sh can combine the runs of all libraries into RESULTS.md.
//
// Usage: gemm_libs_<lib> [run_label]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#if defined(USE_OPENBLAS)
#include <cblas.h>
#elif defined(USE_BLIS)
#include <blis.h>  // declares cblas_* too (BLIS_ENABLE_CBLAS)
#elif defined(USE_ONEDNN)
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#else
#error "define one of USE_OPENBLAS, USE_BLIS, USE_ONEDNN"
#endif

namespace {

// One row-major GEMM call: C[m,n] = alpha*op(A)[m,k]*op(B)[k,n] + beta*C.
struct gemm_call {
    bool trans_a;
    bool trans_b;
    int m;
    int n;
    int k;
    const float* a;
    int lda;
    const float* b;
    int ldb;
    float beta;
    float* c;
    int ldc;
};

constexpr float alpha = 1.0f;

#if defined(USE_OPENBLAS)
constexpr const char* library_name = "openblas";

void init_library() { openblas_set_num_threads(1); }

std::string library_info() {
    return std::string("config=") + openblas_get_config() +
           "; corename=" + openblas_get_corename();
}

void sgemm(const gemm_call& g) {
    cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans,
                g.trans_b ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, alpha, g.a,
                g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
}
#elif defined(USE_BLIS)
constexpr const char* library_name = "blis";

void init_library() { bli_thread_set_num_threads(1); }

std::string library_info() {
    return std::string("version=") + bli_info_get_version_str() +
           "; arch=" + bli_arch_string(bli_arch_query_id());
}

void sgemm(const gemm_call& g) {
    cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans,
                g.trans_b ? CblasTrans : CblasNoTrans, g.m, g.n, g.k, alpha, g.a,
                g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
}
#elif defined(USE_ONEDNN)
constexpr const char* library_name = "onednn";

// Debian's libdnnl2 is built with DNNL_CPU_RUNTIME=OMP (libgomp), so the
// OpenMP thread count is what dnnl_sgemm parallelises over.
void init_library() { omp_set_num_threads(1); }

std::string library_info() {
    const dnnl_version_t* v = dnnl_version();
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "version=%d.%d.%d (%s); cpu_runtime=%s; omp_max_threads=%d",
                  v->major, v->minor, v->patch, v->hash,
                  v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : "other",
                  omp_get_max_threads());
    return buf;
}

void sgemm(const gemm_call& g) {
    // dnnl_sgemm is row-major by definition; no layout flag.
    const dnnl_status_t st =
        dnnl_sgemm(g.trans_a ? 'T' : 'N', g.trans_b ? 'T' : 'N', g.m, g.n, g.k,
                   alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
    if (st != dnnl_success) {
        std::fprintf(stderr, "dnnl_sgemm failed: %d\n", static_cast<int>(st));
        std::exit(1);
    }
}
#endif

double now_s() {
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Process CPU time; cpu/wall ~ 1 proves the library really ran on one thread.
double process_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int thread_count() {
    int n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator("/proc/self/task"))
        ++n;
    return n;
}

std::vector<float> random_matrix(std::size_t size, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(size);
    for (auto& x : v) x = dist(rng);
    return v;
}

// Rows of C to compare with the reference: all of them for cheap products,
// otherwise an evenly spaced subset (keeps the O(MNK) double loop affordable
// for the 8192-row shapes while still covering every column and the edges).
std::vector<int> rows_to_check(const gemm_call& g) {
    const double cost = static_cast<double>(g.m) * g.n * g.k;
    const int wanted = cost <= 3.0e7 ? g.m : std::max(8, static_cast<int>(3.0e7 / (static_cast<double>(g.n) * g.k)));
    std::vector<int> rows;
    if (wanted >= g.m) {
        for (int i = 0; i < g.m; ++i) rows.push_back(i);
    } else {
        for (int r = 0; r < wanted; ++r)
            rows.push_back(static_cast<int>(static_cast<long>(r) * (g.m - 1) / (wanted - 1)));
    }
    return rows;
}

struct check_state {
    gemm_call call;
    std::vector<int> rows;
    std::vector<float> c_before;  // needed for beta != 0
};

check_state snapshot(const gemm_call& g) {
    check_state s{g, rows_to_check(g), {}};
    for (int i : s.rows)
        for (int j = 0; j < g.n; ++j)
            s.c_before.push_back(g.c[static_cast<std::size_t>(i) * g.ldc + j]);
    return s;
}

// Double-precision triple loop; returns max|C - C_ref| / max|C_ref| over the
// checked rows.
double reference_error(const check_state& s) {
    const gemm_call& g = s.call;
    double max_err = 0.0;
    double max_ref = 0.0;
    std::size_t idx = 0;
    for (int i : s.rows) {
        for (int j = 0; j < g.n; ++j, ++idx) {
            double sum = 0.0;
            for (int p = 0; p < g.k; ++p) {
                const double a = g.trans_a ? g.a[static_cast<std::size_t>(p) * g.lda + i]
                                           : g.a[static_cast<std::size_t>(i) * g.lda + p];
                const double b = g.trans_b ? g.b[static_cast<std::size_t>(j) * g.ldb + p]
                                           : g.b[static_cast<std::size_t>(p) * g.ldb + j];
                sum += a * b;
            }
            const double ref = alpha * sum + g.beta * static_cast<double>(s.c_before[idx]);
            const double got = g.c[static_cast<std::size_t>(i) * g.ldc + j];
            max_err = std::max(max_err, std::abs(got - ref));
            max_ref = std::max(max_ref, std::abs(ref));
        }
    }
    return max_ref > 0.0 ? max_err / max_ref : max_err;
}

// A timed unit: one Linear product (1 call) or one attention product looped
// over all (sample, head) pairs (B*H calls).
struct product {
    std::string config;
    std::string name;
    std::vector<gemm_call> calls;
    double per_step;  // how many times this unit runs per training step
};

double flops_of(const product& p) {
    double f = 0.0;
    for (const auto& g : p.calls) f += 2.0 * g.m * g.n * g.k;
    return f;
}

void run_once(const product& p) {
    for (const auto& g : p.calls) sgemm(g);
}

constexpr int repetitions = 9;
constexpr double min_rep_s = 0.02;  // batch fast products so timer noise is small

void measure(const product& p, const std::string& run_label) {
    // Correctness: first and last call of the unit (for attention, first and
    // last (sample, head) pair), compared right after the first execution.
    std::vector<check_state> checks;
    checks.push_back(snapshot(p.calls.front()));
    if (p.calls.size() > 1) checks.push_back(snapshot(p.calls.back()));
    run_once(p);
    double rel_err = 0.0;
    for (const auto& s : checks) rel_err = std::max(rel_err, reference_error(s));

    // Warm-up (caches, library-internal buffers), then size the batch.
    run_once(p);
    double t0 = now_s();
    run_once(p);
    const double single = now_s() - t0;
    const int inner = std::max(1, static_cast<int>(std::ceil(min_rep_s / std::max(single, 1e-9))));

    std::vector<double> times;
    const double wall0 = now_s();
    const double cpu0 = process_cpu_s();
    for (int r = 0; r < repetitions; ++r) {
        t0 = now_s();
        for (int i = 0; i < inner; ++i) run_once(p);
        times.push_back((now_s() - t0) / inner);
    }
    const double cpu_ratio = (process_cpu_s() - cpu0) / (now_s() - wall0);
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    const gemm_call& g = p.calls.front();
    const double flops = flops_of(p);

    // TSV: lib run config product m n k trans calls flops per_step median_s
    //      min_s gflops rel_err cpu_ratio
    std::printf("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%c%c\t%zu\t%.6g\t%g\t%.6g\t%.6g\t%.2f\t%.3g\t%.2f\n",
                library_name, run_label.c_str(), p.config.c_str(), p.name.c_str(), g.m, g.n,
                g.k, g.trans_a ? 'T' : 'N', g.trans_b ? 'T' : 'N', p.calls.size(), flops,
                p.per_step, median, times.front(), flops / median * 1e-9, rel_err, cpu_ratio);
    std::fflush(stdout);
    if (!(rel_err < 1e-4))
        std::fprintf(stderr, "WARNING: %s %s %s rel_err %.3g >= 1e-4\n", library_name,
                     p.config.c_str(), p.name.c_str(), rel_err);
}

struct config {
    std::string name;
    int batch;   // B
    int seq;     // T
    int d_model; // D
    int d_ff;    // F*D
    int vocab;   // V
    int heads;   // H
    int layers;  // L
};

// Owns the buffers of one configuration and the products that use them.
struct workload {
    std::vector<std::vector<float>> buffers;
    std::vector<product> products;

    float* add_buffer(std::size_t size, std::mt19937& rng) {
        buffers.push_back(random_matrix(size, rng));
        return buffers.back().data();
    }
};

void add_linear(workload& w, const config& c, const std::string& name, int in, int out,
                double per_step, std::mt19937& rng) {
    const int n = c.batch * c.seq;
    const float* x = w.add_buffer(static_cast<std::size_t>(n) * in, rng);
    const float* weight = w.add_buffer(static_cast<std::size_t>(out) * in, rng);
    const float* dy = w.add_buffer(static_cast<std::size_t>(n) * out, rng);
    float* y = w.add_buffer(static_cast<std::size_t>(n) * out, rng);
    float* dx = w.add_buffer(static_cast<std::size_t>(n) * in, rng);
    float* dw = w.add_buffer(static_cast<std::size_t>(out) * in, rng);
    // forward  y[N,out]  = x[N,in] * W[out,in]^T
    w.products.push_back({c.name, name + ".fwd", {{false, true, n, out, in, x, in, weight, in, 0.0f, y, out}}, per_step});
    // bwd-in   dx[N,in]  = dy[N,out] * W[out,in]
    w.products.push_back({c.name, name + ".bwd_in", {{false, false, n, in, out, dy, out, weight, in, 0.0f, dx, in}}, per_step});
    // bwd-w    dW[out,in] += dy[N,out]^T * x[N,in]  (gradient accumulation, beta=1)
    w.products.push_back({c.name, name + ".bwd_w", {{true, false, out, in, n, dy, out, x, in, 1.0f, dw, in}}, per_step});
}

// Attention per (sample, head). Q, K, V are column slices of the [T, 3D] qkv
// block of a sample (leading dimension 3D), O/dO are slices of [T, D] (ld D),
// P/S/dP/dS are dense [T, T] per pair. Causal masking is ignored: full GEMMs.
void add_attention(workload& w, const config& c, std::mt19937& rng) {
    const int t = c.seq;
    const int d = c.d_model;
    const int dh = d / c.heads;
    const int pairs = c.batch * c.heads;
    const std::size_t tt = static_cast<std::size_t>(t) * t;
    const float* qkv = w.add_buffer(static_cast<std::size_t>(c.batch) * t * 3 * d, rng);
    const float* probs = w.add_buffer(tt * pairs, rng);   // P (and dS as input)
    float* scores = w.add_buffer(tt * pairs, rng);        // S / dP outputs
    const float* d_out = w.add_buffer(static_cast<std::size_t>(c.batch) * t * d, rng);
    float* out = w.add_buffer(static_cast<std::size_t>(c.batch) * t * d, rng);
    float* d_qkv = w.add_buffer(static_cast<std::size_t>(c.batch) * t * 3 * d, rng);

    const int ld_qkv = 3 * d;
    product s{c.name, "attn.S=QK^T", {}, static_cast<double>(c.layers)};
    product o{c.name, "attn.O=PV", {}, static_cast<double>(c.layers)};
    product dp{c.name, "attn.dP=dOV^T", {}, static_cast<double>(c.layers)};
    product dv{c.name, "attn.dV=P^TdO", {}, static_cast<double>(c.layers)};
    product dq{c.name, "attn.dQ=dSK", {}, static_cast<double>(c.layers)};
    product dk{c.name, "attn.dK=dS^TQ", {}, static_cast<double>(c.layers)};
    for (int b = 0; b < c.batch; ++b) {
        for (int h = 0; h < c.heads; ++h) {
            const std::size_t row0 = static_cast<std::size_t>(b) * t;
            const float* q = qkv + row0 * ld_qkv + h * dh;
            const float* k = q + d;
            const float* v = q + 2 * d;
            float* dq_ptr = d_qkv + row0 * ld_qkv + h * dh;
            float* dk_ptr = dq_ptr + d;
            float* dv_ptr = dq_ptr + 2 * d;
            const float* p = probs + tt * (b * c.heads + h);
            const float* ds = p;
            float* sp = scores + tt * (b * c.heads + h);
            float* o_ptr = out + row0 * d + h * dh;
            const float* do_ptr = d_out + row0 * d + h * dh;
            s.calls.push_back({false, true, t, t, dh, q, ld_qkv, k, ld_qkv, 0.0f, sp, t});
            o.calls.push_back({false, false, t, dh, t, p, t, v, ld_qkv, 0.0f, o_ptr, d});
            dp.calls.push_back({false, true, t, t, dh, do_ptr, d, v, ld_qkv, 0.0f, sp, t});
            dv.calls.push_back({true, false, t, dh, t, p, t, do_ptr, d, 0.0f, dv_ptr, ld_qkv});
            dq.calls.push_back({false, false, t, dh, t, ds, t, k, ld_qkv, 0.0f, dq_ptr, ld_qkv});
            dk.calls.push_back({true, false, t, dh, t, ds, t, q, ld_qkv, 0.0f, dk_ptr, ld_qkv});
        }
    }
    for (auto* p : {&s, &o, &dp, &dv, &dq, &dk}) w.products.push_back(std::move(*p));
}

void run_config(const config& c, const std::string& run_label) {
    std::mt19937 rng(12345);
    workload w;
    const int d = c.d_model;
    const double l = c.layers;
    add_linear(w, c, "qkv", d, 3 * d, l, rng);
    add_linear(w, c, "proj", d, d, l, rng);
    add_linear(w, c, "fc1", d, c.d_ff, l, rng);
    add_linear(w, c, "fc2", c.d_ff, d, l, rng);
    add_linear(w, c, "lm_head", d, c.vocab, 1.0, rng);
    add_attention(w, c, rng);
    for (const auto& p : w.products) measure(p, run_label);
}

void run_calibration(const std::string& run_label) {
    std::mt19937 rng(777);
    const int n = 1024;
    auto a = random_matrix(static_cast<std::size_t>(n) * n, rng);
    auto b = random_matrix(static_cast<std::size_t>(n) * n, rng);
    auto c = random_matrix(static_cast<std::size_t>(n) * n, rng);
    product p{"calibration", "square1024", {{false, false, n, n, n, a.data(), n, b.data(), n, 0.0f, c.data(), n}}, 0.0};
    measure(p, run_label);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string run_label = argc > 1 ? argv[1] : "run1";
    init_library();
    std::printf("# library\t%s\t%s\n", library_name, library_info().c_str());
    std::printf("# env\tOPENBLAS_CORETYPE=%s\tOPENBLAS_L2_SIZE=%s\n",
                std::getenv("OPENBLAS_CORETYPE") ? std::getenv("OPENBLAS_CORETYPE") : "(unset)",
                std::getenv("OPENBLAS_L2_SIZE") ? std::getenv("OPENBLAS_L2_SIZE") : "(unset)");
    std::fflush(stdout);

    run_calibration(run_label);
    run_config({"cpu-small", 16, 128, 256, 1024, 1000, 8, 4}, run_label);
    run_config({"baseline", 32, 256, 512, 2048, 1000, 8, 12}, run_label);

    // Threads alive at the end (library pools may exist but stay idle; the
    // per-row cpu/wall ratio is the real single-thread evidence).
    std::printf("# threads_at_exit\t%d\n", thread_count());
    return 0;
}
