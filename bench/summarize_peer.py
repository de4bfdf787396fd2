#!/usr/bin/env python3
"""Table of bench/compare_peer.sh's results: medians over runs of tokens/s
(raw and per device), paratrain / PyTorch ratio, utilization, bubble, exposed
communication and peak memory per rank, with the run count."""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    runs = defaultdict(list)
    for line in open(path):
        entry = json.loads(line)
        if entry.get("record"):
            runs[(entry["strategy"], entry["tool"])].append(entry["record"])
    names = []
    for strategy, _ in runs:
        if strategy not in names:
            names.append(strategy)
    seq_per_device = None
    print("| strategy | paratrain tokens/s | per device | PyTorch fp32 tokens/s | ratio | PyTorch bf16 tokens/s | ratio | paratrain bf16 tokens/s | bf16 ratio (paratrain bf16 / PyTorch bf16) | bf16 MFU | MFU | utilization per rank | bubble per rank | exposed comm per rank | peak activations per rank (MiB) | peak total per rank (MiB) | runs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        ours = runs.get((name, "paratrain"), [])
        theirs = runs.get((name, "pytorch"), [])
        if not ours:
            continue
        tps = statistics.median(r["tokens_per_s"] for r in ours)
        per_device = statistics.median(r["tokens_per_s_per_device"] for r in ours)
        mfu = statistics.median(r["mfu"] for r in ours)
        if name == "seq":
            seq_per_device = per_device
        peer = statistics.median(r["tokens_per_s"] for r in theirs) if theirs else None
        bf16 = runs.get((name, "pytorch-bf16"), [])
        peer_bf16 = statistics.median(r["tokens_per_s"] for r in bf16) if bf16 else None
        ours_bf16 = runs.get((name, "paratrain-bf16"), [])
        tps_bf16 = statistics.median(r["tokens_per_s"] for r in ours_bf16) if ours_bf16 else None
        mfu_bf16 = statistics.median(r["mfu"] for r in ours_bf16) if ours_bf16 else None
        ranks = len(ours[0]["ranks"])
        def per_rank(field, scale=1.0, fmt="{:.2f}"):
            return " / ".join(fmt.format(statistics.median(r["ranks"][k][field] for r in ours) * scale) for k in range(ranks))
        def per_rank_bytes(category):
            return " / ".join("{:.1f}".format(statistics.median(r["ranks"][k]["peak_bytes"][category] for r in ours) / 2**20) for k in range(ranks))
        print(f"| {name} | {tps:,.0f} | {per_device:,.0f} | {f'{peer:,.0f}' if peer else '-'} | "
              f"{f'{tps / peer:.2f}x' if peer else '-'} | {f'{peer_bf16:,.0f}' if peer_bf16 else '-'} | "
              f"{f'{tps / peer_bf16:.2f}x' if peer_bf16 else '-'} | {f'{tps_bf16:,.0f}' if tps_bf16 else '-'} | "
              f"{f'{tps_bf16 / peer_bf16:.2f}x' if tps_bf16 and peer_bf16 else '-'} | "
              f"{f'{mfu_bf16:.2f}' if mfu_bf16 else '-'} | {mfu:.2f} | {per_rank('utilization')} | {per_rank('bubble')} | "
              f"{per_rank('exposed_comm')} | {per_rank_bytes('activations')} | {per_rank_bytes('total')} | {len(ours)} |")
    if seq_per_device:
        for name in names:
            if name.startswith("dp2") and runs.get((name, "paratrain")):
                pd = statistics.median(r["tokens_per_s_per_device"] for r in runs[(name, "paratrain")])
                print(f"\n{name}: per-device throughput {pd / seq_per_device:.1%} of the sequential run's")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/compare_peer.jsonl")
