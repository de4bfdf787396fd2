#pragma once
// The tiny model the multi-rank tests train: four blocks so that pp = 2
// (x 2 virtual stages) fits, B = 8 splits every way, dropout on.
#include <string>

namespace paratrain::testing {

inline const std::string kTinyModel =
    "--vocab-size 64 --seq-len 16 --d-model 32 --n-heads 4 --n-layers 4 --ffn-mult 4 "
    "--batch-size 8 --dropout 0.1 --lr 1e-3 --seed 11";
inline constexpr double kTinyLr = 1e-3;  // the --lr above

}  // namespace paratrain::testing
