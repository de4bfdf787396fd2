#!/usr/bin/env bash
# The main job from a fresh machine: install, build, then a short training run
# and a benchmark on the configuration sized for this machine (cpu-small:
# V=1000 T=128 D=256 H=8 L=4 F=4 B=16, dropout 0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
small=(--vocab-size 1000 --seq-len 128 --d-model 256 --n-heads 8 --n-layers 4 --ffn-mult 4
       --batch-size 16 --dropout 0.1)
mkdir -p results
echo "== verify against the PyTorch reference files"
for reference in ../shared/reference/*.safetensors; do
  build/paratrain verify --reference "$reference" | tail -1
done
echo "== train 20 steps on real text (byte tokens)"
build/paratrain train --data /usr/share/common-licenses/GPL-3 --vocab-size 256 --seq-len 128 \
  --d-model 256 --n-heads 8 --n-layers 4 --batch-size 16 --lr 1e-3 --steps 20
echo "== bench, one rank (results/bench.jsonl)"
build/paratrain bench "${small[@]}" --warmup 2 --steps 5 | tee -a results/bench.jsonl | tail -1
