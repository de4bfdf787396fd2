#!/usr/bin/env bash
# All-reduce bandwidth between namespace hosts at each shaped link rate,
# against the rate set: brings up N hosts (scripts/hosts.sh), runs
# bench/hosts/link_bandwidth across them (one rank per host) at each rate,
# prints one table row per rate and size, and takes the hosts down again.
#
#   bench/hosts_bandwidth.sh [--hosts N] [--rates 100mbit,1gbit,10gbit,unshaped]
#                            [--bytes 4194304,33554432] [--seconds S] [--build DIR] [--out FILE.jsonl]
#
# Needs root (network namespaces) and a build (cmake --build build --target link_bandwidth).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hosts=2 rates=100mbit,1gbit,10gbit,unshaped bytes=4194304,33554432 seconds=3 build=$root/build out=""
while (($#)); do
  case $1 in
    --hosts) hosts=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "hosts_bandwidth.sh: error: unknown argument $1" >&2; exit 2 ;;
  esac
done
program=$build/bench/link_bandwidth
[[ -x $program ]] || { echo "hosts_bandwidth.sh: error: $program not built" >&2; exit 2; }
hosts_sh=$root/scripts/hosts.sh
trap 'bash "$hosts_sh" down' EXIT
bash "$hosts_sh" up "$hosts"
[[ -n $out ]] && : >"$out"
printf '%-10s %-9s %12s %14s %14s %8s\n' rate op bytes "set Mbit/s" "bus Mbit/s" ratio
IFS=, read -ra rate_list <<<"$rates"
for rate in "${rate_list[@]}"; do
  bash "$hosts_sh" rate "$rate"
  while read -r line; do
    [[ $line == '{'* ]] || continue
    [[ -n $out ]] && echo "{\"link_rate\":\"$rate\",\"hosts\":$hosts,${line#\{}" >>"$out"
    python3 - "$rate" "$line" <<'PY'
import json, re, sys
rate, record = sys.argv[1], json.loads(sys.argv[2])
scale = {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "tbit": 1e12}
match = re.fullmatch(r"(\d+)(bit|kbit|mbit|gbit|tbit)", rate)
set_bits = float(match[1]) * scale[match[2]] if match else None
got = record["bus_bits_per_s"]
print("%-10s %-9s %12d %14s %14.1f %8s" % (rate, record["op"], record["bytes"],
      "%.1f" % (set_bits / 1e6) if set_bits else "-", got / 1e6,
      "%.3f" % (got / set_bits) if set_bits else "-"))
PY
  done < <(bash "$hosts_sh" mpirun -np "$hosts" "$program" --bytes "$bytes" --seconds "$seconds")
done
