#include "model/parallel_linear.h"

#include "kernels/linear.h"
#include "kernels/linear_bf16.h"

namespace paratrain {

namespace {

void add_bias(const float* bias, size_t rows, int width, float* data) {
  for (size_t row = 0; row < rows; ++row) {
    float* y = data + row * width;
#pragma omp simd
    for (int col = 0; col < width; ++col) y[col] += bias[col];
  }
}

void bias_gradient(const float* dy, size_t rows, int width, float* dbias) {
  for (size_t row = 0; row < rows; ++row) {
    const float* dy_row = dy + row * width;
#pragma omp simd
    for (int col = 0; col < width; ++col) dbias[col] += dy_row[col];
  }
}

}  // namespace

TensorRegionEntry::TensorRegionEntry(const TensorParallel& tp, Workspace& workspace, int seq_len,
                                     int width)
    : tp_(tp), ws_(workspace), seq_len_(seq_len), width_(width) {}

const float* TensorRegionEntry::forward(const float* local, int samples) {
  if (!tp_.splits_sequence()) return local;  // copy_to_tensor_region: the identity
  gather_from_sequence_region(tp_, local, shape(samples), ws_.sequence_staging.data(),
                              ws_.sequence_gathered.data());
  return ws_.sequence_gathered.data();
}

float* TensorRegionEntry::partial_grad(float* d_local) {
  return tp_.splits_sequence() ? ws_.sequence_partial.data() : d_local;
}

void TensorRegionEntry::backward(float* partial, int samples, float* d_local) {
  if (tp_.splits_sequence()) {
    reduce_scatter_to_sequence_region(tp_, partial, shape(samples), ws_.sequence_staging.data(),
                                      d_local);
    return;
  }
  copy_to_tensor_region_backward(tp_, d_local, static_cast<size_t>(samples) * seq_len_ * width_);
}

TensorRegionExit::TensorRegionExit(const TensorParallel& tp, Workspace& workspace, int seq_len,
                                   int width)
    : tp_(tp), ws_(workspace), seq_len_(seq_len), width_(width) {}

float* TensorRegionExit::partial(float* local) {
  return tp_.splits_sequence() ? ws_.sequence_partial.data() : local;
}

void TensorRegionExit::forward(float* partial, int samples, float* local) {
  if (tp_.splits_sequence()) {
    reduce_scatter_to_sequence_region(tp_, partial, shape(samples), ws_.sequence_staging.data(),
                                      local);
    return;
  }
  reduce_from_tensor_region(tp_, local, static_cast<size_t>(samples) * seq_len_ * width_);
}

const float* TensorRegionExit::backward(const float* d_local, int samples) {
  if (!tp_.splits_sequence()) return d_local;  // reduce_from_tensor_region's backward: the identity
  gather_from_sequence_region(tp_, d_local, shape(samples), ws_.sequence_staging.data(),
                              ws_.sequence_gathered.data());
  return ws_.sequence_gathered.data();
}

ColumnParallelLinear::ColumnParallelLinear(const TensorParallel& tp, Workspace& workspace,
                                           LinearWeights weights, int seq_len, int in, int out)
    : entry_(tp, workspace, seq_len, in),
      ws_(workspace),
      w_(weights),
      seq_len_(seq_len),
      in_(in),
      out_(out) {}

void ColumnParallelLinear::enable_bf16(MemoryTracker& tracker) {
  weight_bf16_ = Bf16Weight(tracker, w_.weight, static_cast<size_t>(out_) * in_);
}

void ColumnParallelLinear::forward(const float* x_local, int samples, float* y) {
  const float* x = entry_.forward(x_local, samples);
  if (weight_bf16_.active()) {
    forward_bf16(x, samples, y);
    return;
  }
  kernels::linear_forward(x, w_.weight, w_.bias, samples * seq_len_, in_, out_, y);
}

void ColumnParallelLinear::forward_bf16(const float* x, int samples, float* y) {
  const size_t rows = static_cast<size_t>(samples) * seq_len_;
  kernels::round_to_bf16(x, rows * in_, ws_.bf16_input.data());
  kernels::linear_forward_bf16(ws_.bf16_input.data(), weight_bf16_.data(), static_cast<int>(rows),
                               in_, out_, y);
  if (w_.bias != nullptr) add_bias(w_.bias, rows, out_, y);
}

void ColumnParallelLinear::backward_bf16(const float* dy, const float* x, int samples, float* dx) {
  const size_t rows = static_cast<size_t>(samples) * seq_len_;
  kernels::round_to_bf16(x, rows * in_, ws_.bf16_input.data());
  kernels::linear_backward_bf16(dy, ws_.bf16_input.data(), weight_bf16_.data(),
                                static_cast<int>(rows), in_, out_, ws_.bf16_grad.data(), dx,
                                w_.d_weight);
  if (w_.d_bias != nullptr) bias_gradient(dy, rows, out_, w_.d_bias);
}

void ColumnParallelLinear::backward(const float* dy, const float* x_local, int samples,
                                    float* dx_local) {
  const float* x = entry_.forward(x_local, samples);  // re-gathered rather than kept
  float* dx = entry_.partial_grad(dx_local);
  if (weight_bf16_.active()) {
    backward_bf16(dy, x, samples, dx);
  } else {
    kernels::linear_backward(dy, x, w_.weight, samples * seq_len_, in_, out_, dx, false,
                             w_.d_weight, w_.d_bias);
  }
  entry_.backward(dx, samples, dx_local);
}

void ColumnParallelLinear::backward_input(const float* dy, int samples, float* dx_local) {
  float* dx = entry_.partial_grad(dx_local);
  if (weight_bf16_.active()) {
    kernels::linear_backward_input_bf16(dy, weight_bf16_.data(), samples * seq_len_, in_, out_,
                                        ws_.bf16_grad.data(), dx);
  } else {
    kernels::linear_backward_input(dy, w_.weight, samples * seq_len_, in_, out_, dx, false);
  }
  entry_.backward(dx, samples, dx_local);
}

void ColumnParallelLinear::backward_weight(const float* dy, const float* x_local, int samples) {
  const float* x = entry_.forward(x_local, samples);
  if (!weight_bf16_.active()) {
    kernels::linear_backward_weight(dy, x, samples * seq_len_, in_, out_, w_.d_weight, w_.d_bias);
    return;
  }
  const size_t rows = static_cast<size_t>(samples) * seq_len_;
  kernels::round_to_bf16(x, rows * in_, ws_.bf16_input.data());
  kernels::linear_backward_weight_bf16(dy, ws_.bf16_input.data(), static_cast<int>(rows), in_,
                                       out_, ws_.bf16_grad.data(), w_.d_weight);
  if (w_.d_bias != nullptr) bias_gradient(dy, rows, out_, w_.d_bias);
}

RowParallelLinear::RowParallelLinear(const TensorParallel& tp, Workspace& workspace,
                                     LinearWeights weights, int seq_len, int in, int out)
    : exit_(tp, workspace, seq_len, out),
      ws_(workspace),
      w_(weights),
      seq_len_(seq_len),
      local_seq_(tp.local_seq_len(seq_len)),
      in_(in),
      out_(out) {}

void RowParallelLinear::forward(const float* x, int samples, float* y_local) {
  float* partial = exit_.partial(y_local);
  // The bias is added once, after the sum: every rank holds it whole.
  kernels::linear_forward(x, w_.weight, nullptr, samples * seq_len_, in_, out_, partial);
  exit_.forward(partial, samples, y_local);
  add_bias(w_.bias, static_cast<size_t>(samples) * local_seq_, out_, y_local);
}

void RowParallelLinear::backward(const float* dy_local, const float* x, int samples, float* dx) {
  bias_gradient(dy_local, static_cast<size_t>(samples) * local_seq_, out_, w_.d_bias);
  const float* dy = exit_.backward(dy_local, samples);
  kernels::linear_backward(dy, x, w_.weight, samples * seq_len_, in_, out_, dx, false,
                           w_.d_weight, nullptr);
}

void RowParallelLinear::enable_bf16(MemoryTracker& tracker) {
  weight_bf16_ = Bf16Weight(tracker, w_.weight, static_cast<size_t>(out_) * in_);
}

void RowParallelLinear::forward(const kernels::Bf16* x, int samples, float* y_local) {
  float* partial = exit_.partial(y_local);
  kernels::linear_forward_bf16(x, weight_bf16_.data(), samples * seq_len_, in_, out_, partial);
  exit_.forward(partial, samples, y_local);
  add_bias(w_.bias, static_cast<size_t>(samples) * local_seq_, out_, y_local);
}

void RowParallelLinear::backward(const float* dy_local, const kernels::Bf16* x, int samples,
                                 float* dx) {
  bias_gradient(dy_local, static_cast<size_t>(samples) * local_seq_, out_, w_.d_bias);
  const float* dy = exit_.backward(dy_local, samples);
  kernels::linear_backward_bf16(dy, x, weight_bf16_.data(), samples * seq_len_, in_, out_,
                                ws_.bf16_grad.data(), dx, w_.d_weight);
}

Bf16Weight::Bf16Weight(MemoryTracker& tracker, const float* weight, size_t count)
    : weight_(weight), copy_(tracker, MemoryCategory::kParameters, count) {}

void Bf16Weight::refresh() {
  if (active()) kernels::round_to_bf16(weight_, copy_.size(), copy_.data());
}

void RowParallelLinear::backward_input(const float* dy_local, int samples, float* dx) {
  const float* dy = exit_.backward(dy_local, samples);
  if (weight_bf16_.active()) {
    kernels::linear_backward_input_bf16(dy, weight_bf16_.data(), samples * seq_len_, in_, out_,
                                        ws_.bf16_grad.data(), dx);
    return;
  }
  kernels::linear_backward_input(dy, w_.weight, samples * seq_len_, in_, out_, dx, false);
}

void RowParallelLinear::backward_weight(const float* dy_local, const float* x, int samples) {
  bias_gradient(dy_local, static_cast<size_t>(samples) * local_seq_, out_, w_.d_bias);
  const float* dy = exit_.backward(dy_local, samples);
  kernels::linear_backward_weight(dy, x, samples * seq_len_, in_, out_, w_.d_weight, nullptr);
}

void RowParallelLinear::backward_weight(const float* dy_local, const kernels::Bf16* x,
                                        int samples) {
  bias_gradient(dy_local, static_cast<size_t>(samples) * local_seq_, out_, w_.d_bias);
  const float* dy = exit_.backward(dy_local, samples);
  kernels::linear_backward_weight_bf16(dy, x, samples * seq_len_, in_, out_, ws_.bf16_grad.data(),
                                       w_.d_weight);
}

}  // namespace paratrain
