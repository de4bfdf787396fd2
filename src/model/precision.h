#pragma once
// How the model computes (not what it is): the matmul precision and what is
// recomputed in backward instead of kept from forward.
#include <string>

namespace paratrain {

// kBf16: mixed precision as PyTorch's CPU autocast defines it. The linear
// layers' matmuls take bf16 inputs (activations and weights) and accumulate
// and output in fp32, and so do the attention core's two products (q k^T,
// att v: kernels/attention.h); layernorm, softmax, GELU, dropout,
// cross-entropy and the residual adds stay fp32, and so do the master
// weights, the gradients and AdamW's state.
enum class Precision { kFp32, kBf16 };

// kSelective (Megatron-LM): attention's softmax and its dropout are
// recomputed in backward from the saved q, k, v, so no (B, H, T, T) tensor is
// kept. kFull: a block keeps only its input and reruns its forward in backward.
enum class Recompute { kNone, kSelective, kFull };

// "fp32" / "bf16"; UsageError naming `flag` otherwise.
Precision parse_precision(const std::string& text, const char* flag = "--precision");
const char* precision_name(Precision precision);
// "none" / "selective" / "full"; UsageError naming `flag` otherwise.
Recompute parse_recompute(const std::string& text, const char* flag = "--recompute");
const char* recompute_name(Recompute recompute);

}  // namespace paratrain
