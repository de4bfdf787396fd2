#!/usr/bin/env bash
# paratrain against the PyTorch peer (../shared/peer/peer.py), side by side on
# this machine, alternating the two so that drift in the machine's speed hits
# both alike. Configuration cpu-small: V=1000 T=128 D=256 H=8 L=4 F=4 B=16,
# dropout 0.1; one core per rank, one BLAS thread.
#
#   bash bench/compare_peer.sh [REPEATS] [OUT.jsonl]
#
# ONLY="seq dp2 pp2-gpipe-mb4" runs just those strategies. Both run in fp32
# and in bf16 autocast (tools "paratrain", "paratrain-bf16", "pytorch" and
# "pytorch-bf16"), one after another for each strategy and run.
#
# Each run appends one JSON line {"tool", "strategy", "run", "record"} to OUT
# (default results/compare_peer.jsonl); bench/summarize_peer.py makes the table.
# Needs Debian's python3-torch for the peer (scripts/install-peer.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
out=${2:-results/compare_peer.jsonl}
mkdir -p "$(dirname "$out")"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
peer=../shared/peer/peer.py
small=(--vocab-size 1000 --seq-len 128 --d-model 256 --n-heads 8 --n-layers 4 --ffn-mult 4
       --batch-size 16 --dropout 0.1)
mpi=(mpirun -q --oversubscribe -np 2)

# name | paratrain command | peer arguments (empty: the peer has no such strategy)
strategies=(
  "seq|build/paratrain bench ${small[*]}|--strategy seq"
  "dp2|${mpi[*]} build/paratrain bench ${small[*]} --dp 2|--strategy dp --world 2"
  "tp2|${mpi[*]} build/paratrain bench ${small[*]} --tp 2|"
  "tp2-sp|${mpi[*]} build/paratrain bench ${small[*]} --tp 2 --sequence-parallel|"
  "dp2-zero1|${mpi[*]} build/paratrain bench ${small[*]} --dp 2 --zero 1|"
)
for mb in 1 2 4 8; do
  strategies+=("pp2-gpipe-mb$mb|${mpi[*]} build/paratrain bench ${small[*]} --pp 2 --schedule gpipe --micro-batch $mb|--strategy pp --world 2 --mb $mb")
  strategies+=("pp2-1f1b-mb$mb|${mpi[*]} build/paratrain bench ${small[*]} --pp 2 --schedule 1f1b --micro-batch $mb|")
done
strategies+=("pp2-interleaved-v2-mb2|${mpi[*]} build/paratrain bench ${small[*]} --pp 2 --schedule interleaved --virtual-stages 2 --micro-batch 2|")

append() {  # tool strategy run json
  printf '{"tool": "%s", "strategy": "%s", "run": %s, "record": %s}\n' "$1" "$2" "$3" "$4" >> "$out"
}
for run in $(seq 1 "$repeats"); do
  for entry in "${strategies[@]}"; do
    IFS='|' read -r name command peer_args <<< "$entry"
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then continue; fi
    echo "run $run: $name" >&2
    record=$($command --warmup 2 --steps 5 2>/dev/null | tail -n 1)
    append paratrain "$name" "$run" "$record"
    record=$($command --precision bf16 --warmup 2 --steps 5 2>/dev/null | tail -n 1)
    append paratrain-bf16 "$name" "$run" "$record"
    if [[ -n "$peer_args" ]]; then
      for precision in fp32 bf16; do
        tool=pytorch; [[ $precision == bf16 ]] && tool=pytorch-bf16
        record=$(/usr/bin/python3 "$peer" $peer_args --preset cpu-small --keep-memory --precision $precision \
                   --warmup 2 --steps 5 2>/dev/null | tail -n 1)
        append "$tool" "$name" "$run" "$record"
      done
    fi
  done
done
echo "results in $out; table: python3 bench/summarize_peer.py $out" >&2
