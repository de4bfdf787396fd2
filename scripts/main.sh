#!/usr/bin/env bash
# The main job from a fresh machine: install, build, check the model against
# PyTorch's reference files, train briefly on real text, then the default
# study (every strategy that fits 2 ranks, swept over batch size, sequence
# length, layers and micro-batch size) ending in study/report.md with graphs.
# A study interrupted and run again resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "== verify against the PyTorch reference files"
for reference in ../shared/reference/*.safetensors; do
  build/paratrain verify --reference "$reference" | tail -n 1
done
echo "== train 20 steps on real text (byte tokens)"
build/paratrain train --data /usr/share/common-licenses/GPL-3 --vocab-size 256 --seq-len 128 \
  --d-model 256 --n-heads 8 --n-layers 4 --batch-size 16 --lr 1e-3 --steps 20
echo "== the study: sweep and report, 3 repeats per point (README: Study time)"
build/paratrain study --out study
echo "== report: study/report.md (graphs beside it)"
