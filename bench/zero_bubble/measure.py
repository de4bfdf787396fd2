#!/usr/bin/env python3
"""1F1B, ZB-H1 and ZB-H2 on cpu-small (V=1000 T=128 D=256 H=8 L=4, B=16), pp2:
measured mean and per-stage bubble (bench record, medians over repeats) against
the simulator's prediction from the same run's measured action times (trace),
and the closed form at equal F, B, W.

  python3 bench/zero_bubble/measure.py [--repeats 3] [--steps 4] [--m 4,8,16]
      [--schedules 1f1b,zb-h1,zb-h2] [--bench-flags "--static-lists"]

Needs build/paratrain and build/bench/zero_bubble_predict. Prints a markdown table.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

MODEL = "--vocab-size 1000 --seq-len 128 --d-model 256 --n-heads 8 --n-layers 4 --batch-size 16 --dropout 0.1"
SCHEDULES = ["1f1b", "zb-h1", "zb-h2"]


def bench(schedule, m, steps, trace, extra):
    micro_batch = 16 // m
    cmd = (f"mpirun --allow-run-as-root --oversubscribe -q -np 2 build/paratrain bench {MODEL} --pp 2 "
           f"--schedule {schedule} --micro-batch {micro_batch} --warmup 1 --steps {steps} --trace {trace} {extra}")
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench failed: {cmd}\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def action_means(trace_path, ranks):
    """Per rank: mean seconds of forward, backward, weight events in the trace."""
    events = json.load(open(trace_path))["traceEvents"]
    sums = {(r, k): [] for r in range(ranks) for k in ("forward", "backward", "weight")}
    for e in events:
        if e.get("ph") == "X" and (e.get("tid"), e.get("cat")) in sums:
            sums[(e["tid"], e["cat"])].append(e["dur"] * 1e-6)
    return [[statistics.mean(sums[(r, k)]) if sums[(r, k)] else 0.0
             for k in ("forward", "backward", "weight")] for r in range(ranks)]


def predict(schedule, m, means):
    args = ["build/bench/zero_bubble_predict", schedule, "2", str(m), "0"]
    for f, b, w in means:
        args += [f"{f:.6f}", f"{b:.6f}", f"{w:.6f}"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout.split("\n")
    return [float(line.split()[2]) for line in out[:2]]


def closed_form(schedule, p, m):
    if schedule == "1f1b":
        return (p - 1) / (m + p - 1)
    return (p - 1) / (3 * m + p - 1)  # ZB-H1 (and ZB-H2 within a step) at F = B = W


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--m", default="4,8,16")
    parser.add_argument("--schedules", default=",".join(SCHEDULES))
    parser.add_argument("--bench-flags", default="", help="more bench flags, e.g. --static-lists")
    opts = parser.parse_args()
    schedules = opts.schedules.split(",")
    ms = [int(x) for x in opts.m.split(",")]
    rows = {}
    tmp = tempfile.mkdtemp(prefix="zb_measure_")
    for repeat in range(opts.repeats):  # repeats outermost: load drifts hit every cell alike
        for m in ms:
            for schedule in schedules:
                trace = os.path.join(tmp, f"{schedule}_{m}_{repeat}.json")
                record = bench(schedule, m, opts.steps, trace, opts.bench_flags)
                by_stage = {r["coord"]["pp"]: r["bubble"] for r in record["ranks"]}
                means = action_means(trace, 2)
                predicted = predict(schedule, m, means)
                rows.setdefault((schedule, m), []).append(
                    (statistics.mean(by_stage.values()), by_stage[0], by_stage[1], predicted[0],
                     predicted[1], record["step_s"]["median"], record["tokens_per_s_per_device"], means))
                print(f"# {schedule} m={m} repeat {repeat}: bubble {by_stage} predicted {predicted} "
                      f"F/B/W per rank {[[round(x * 1e3, 2) for x in r] for r in means]} ms", file=sys.stderr)
    print("| schedule | m | mean bubble | stage 0 measured / predicted | stage 1 measured / predicted "
          "| closed form (F=B=W) | step s | tokens/s/device |")
    print("|---|---|---|---|---|---|---|---|")
    for m in ms:
        for schedule in schedules:
            cells = rows[(schedule, m)]
            med = lambda i: statistics.median(c[i] for c in cells)
            print(f"| {schedule} | {m} | {100 * med(0):.1f}% | {100 * med(1):.1f}% / {100 * med(3):.1f}% "
                  f"| {100 * med(2):.1f}% / {100 * med(4):.1f}% | {100 * closed_form(schedule, 2, m):.1f}% "
                  f"| {med(5):.4f} | {med(6):.0f} |")


if __name__ == "__main__":
    main()
