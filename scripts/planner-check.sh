#!/usr/bin/env bash
# Predicted against measured tokens/s and peak memory for a handful of
# cpu-small points on this machine (issue 12's benchmark, not a timed test).
# Usage: scripts/planner-check.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=${1:-build}
out=${2:-/tmp/planner-check}
mkdir -p "$out"
bin="$build/paratrain"
mpi=(mpirun --allow-run-as-root --oversubscribe -q)
model="--vocab-size 1000 --seq-len 128 --d-model 256 --n-heads 8 --n-layers 4 --ffn-mult 4 --batch-size 16"
[ -f "$out/machine.json" ] || "${mpi[@]}" -np 2 "$bin" calibrate --out "$out/machine.json"
run() {  # ranks label flags...
  local ranks=$1 label=$2; shift 2
  local cmd=("$bin" bench $model "$@" --warmup 1 --steps 3 --cluster "$out/machine.json")
  if [ "$ranks" -gt 1 ]; then cmd=("${mpi[@]}" -np "$ranks" "${cmd[@]}"); fi
  "${cmd[@]}" 2>/dev/null | tail -1 > "$out/$label.json"
  python3 - "$out/$label.json" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); p = r["predicted"]
meas = max(k["peak_bytes"]["total"] for k in r["ranks"]); pred = max(p["peak_bytes"])
print(f"{sys.argv[2]:24s} measured {r['tokens_per_s']:9.0f} tok/s  predicted {p['tokens_per_s']:9.0f}  "
      f"error {100*(p['tokens_per_s']-r['tokens_per_s'])/r['tokens_per_s']:+6.1f}%  "
      f"peak {meas} vs {pred} ({100*(pred-meas)/meas:+.2f}%)")
PY
}
run 1 seq
run 2 dp2 --dp 2
run 2 pp2-gpipe --pp 2 --micro-batch 4 --schedule gpipe
run 2 pp2-1f1b --pp 2 --micro-batch 4 --schedule 1f1b
run 2 tp2 --tp 2
run 2 dp2-zero1 --dp 2 --zero 1
