#!/usr/bin/env bash
# Builds gemm_libs.cpp once per library and runs the three binaries twice in
# alternation (the machine has 2 cores and is usually shared, so a single pass
# can be skewed by a neighbour). Raw TSV goes to results/, the summary to
# RESULTS.md (best of the two per-run medians per product and library).
#
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are deliberately passed through
# untouched; the binaries record whatever values they see.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
out="$here/results"
mkdir -p "$build" "$out"

cxx_flags=(-O3 -march=native -std=c++20 -Wall -Wextra)
multiarch=x86_64-linux-gnu

# OpenBLAS (Debian pthread flavour): openblas_set_num_threads(1) in code.
if [[ "${SUMMARY_ONLY:-0}" != 1 ]]; then
    g++ "${cxx_flags[@]}" -DUSE_OPENBLAS -isystem /usr/include/$multiarch/openblas-pthread \
        "$here/gemm_libs.cpp" -o "$build/gemm_libs_openblas" -lopenblas
    # BLIS (Debian openmp flavour): blis.h carries the cblas prototypes;
    # bli_thread_set_num_threads(1) in code.
    g++ "${cxx_flags[@]}" -DUSE_BLIS -isystem /usr/include/$multiarch/blis-openmp \
        "$here/gemm_libs.cpp" -o "$build/gemm_libs_blis" -lblis
    # oneDNN: Debian builds it with the GNU OpenMP runtime, so -fopenmp makes our
    # omp_set_num_threads(1) talk to the same libgomp instance.
    g++ "${cxx_flags[@]}" -fopenmp -DUSE_ONEDNN \
        "$here/gemm_libs.cpp" -o "$build/gemm_libs_onednn" -ldnnl
fi

# SUMMARY_ONLY=1 re-renders RESULTS.md from the existing results/*.tsv.
libs=(openblas blis onednn)
[[ "${SUMMARY_ONLY:-0}" == 1 ]] || for run in run1 run2; do
    for lib in "${libs[@]}"; do
        echo "== $lib $run" >&2
        "$build/gemm_libs_$lib" "$run" > "$out/$lib.$run.tsv"
    done
done

[[ "${SUMMARY_ONLY:-0}" == 1 ]] || dpkg -l libopenblas0-pthread libblis4-openmp libdnnl2 | awk '/^ii/ {print $2, $3}' \
    > "$out/versions.txt"
[[ "${SUMMARY_ONLY:-0}" == 1 ]] || lscpu | sed -n 's/^Model name:[[:space:]]*//p' > "$out/cpu.txt"

python3 - "$out" "$here/RESULTS.md" <<'EOF'
import collections, pathlib, statistics, sys

out, results_md = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
libs = ["openblas", "blis", "onednn"]
rows = collections.defaultdict(dict)   # (config, product) -> lib -> list of records
meta, order = {}, []
for lib in libs:
    for path in sorted(out.glob(f"{lib}.run*.tsv")):
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                meta.setdefault((lib, line.split("\t")[0]), line.split("\t", 1)[1])
                continue
            f = line.split("\t")
            key = (f[2], f[3])
            if key not in order:
                order.append(key)
            rows[key].setdefault(lib, []).append(dict(
                run=f[1], m=int(f[4]), n=int(f[5]), k=int(f[6]), trans=f[7],
                calls=int(f[8]), flops=float(f[9]), per_step=float(f[10]),
                median=float(f[11]), gflops=float(f[13]), err=float(f[14]),
                cpu=float(f[15])))

def best(recs):  # contention only slows a run down, so keep the faster median
    return min(recs, key=lambda r: r["median"])

md = ["# Single-threaded SGEMM library comparison", ""]
md.append(f"CPU: {(out / 'cpu.txt').read_text().strip()}, 1 thread per library, "
          "g++ -O3 -march=native. Row-major C = op(A)*op(B) + beta*C.")
md.append("")
md.append("Environment as seen by the binaries: " +
          meta.get(("openblas", "# env"), "?").replace("\t", ", ") + ".")
md.append("")
md.append("Library versions (dpkg): " +
          ", ".join((out / "versions.txt").read_text().split("\n")[:-1]) + ".")
for lib in libs:
    cpu = [r["cpu"] for recs in rows.values() for r in recs.get(lib, [])]
    md.append(f"- {lib}: {meta.get((lib, '# library'), '?').split(chr(9), 1)[-1]}; "
              f"threads at exit: {meta.get((lib, '# threads_at_exit'), '?')}; "
              f"process cpu/wall over timed loops: max {max(cpu):.2f}, median "
              f"{statistics.median(cpu):.2f} (1.00 = one busy thread)")
md.append("")
md.append("Method: each library binary ran twice, in alternation with the others "
          "(openblas, blis, onednn, openblas, blis, onednn). Per run: correctness "
          "check against a double triple loop, warm-up, then median of 9 timed "
          "repetitions (fast products batched to >= 20 ms per repetition). "
          "Tables show GFLOP/s of the better of the two run medians; attention "
          "rows time a loop over all B*H (sample, head) pairs. The machine was "
          "shared with a parallel compile, so absolute numbers are noisy (see the "
          "spread column: (max/min - 1) of the two run medians per library); "
          "cpu/wall never above 1.0 confirms single-threaded execution. "
          "Causal masking is ignored (full T x T GEMMs). Raw per-run TSV: "
          "results/ (git-ignored).")

step = collections.defaultdict(lambda: collections.defaultdict(float))
step_flops = collections.defaultdict(float)
max_err = collections.defaultdict(float)
configs = []
for cfg, _ in order:
    if cfg not in configs:
        configs.append(cfg)
for cfg in configs:
    md += ["", f"## {cfg}", "",
           "| product | M x N x K | op | calls | " + " | ".join(libs) +
           " | fastest | run1/run2 spread |",
           "|---|---|---|---|" + "---|" * len(libs) + "---|---|"]
    for key in [k for k in order if k[0] == cfg]:
        recs = rows[key]
        r0 = next(iter(recs.values()))[0]
        cells, spreads, speed = [], [], {}
        for lib in libs:
            if lib not in recs:
                cells.append("n/a")
                continue
            b = best(recs[lib])
            ok = all(r["err"] < 1e-4 for r in recs[lib])
            max_err[lib] = max(max_err[lib], max(r["err"] for r in recs[lib]))
            speed[lib] = b["gflops"] if ok else 0.0
            cells.append(f"{b['gflops']:.1f}" + ("" if ok else " (WRONG)"))
            meds = [r["median"] for r in recs[lib]]
            spreads.append(f"{max(meds) / min(meds) - 1:.0%}")
            step[cfg][lib] += b["median"] * r0["per_step"]
        step_flops[cfg] += r0["flops"] * r0["per_step"]
        fastest = max(speed, key=speed.get) if speed else "-"
        md.append(f"| {key[1]} | {r0['m']}x{r0['n']}x{r0['k']} | {r0['trans']} | "
                  f"{r0['calls']} | " + " | ".join(cells) + f" | {fastest} | " +
                  "/".join(spreads) + " |")
    if step_flops[cfg] > 0:
        md.append("| **training step (all GEMMs)** | " +
                  f"{step_flops[cfg] / 1e9:.1f} GFLOP | | | " +
                  " | ".join(f"{step[cfg][l]:.3f} s = {step_flops[cfg] / step[cfg][l] / 1e9:.1f}"
                             for l in libs) + " | " +
                  min(libs, key=lambda l: step[cfg][l]) + " | |")

md += ["", "Training step = L x (qkv, proj, fc1, fc2) x (fwd, bwd_in, bwd_w) + "
       "lm_head x 3 + L x 6 attention products over B*H pairs "
       "(cpu-small: L=4, B*H=128; baseline: L=12, B*H=256); "
       "step cells are summed median time and effective GFLOP/s.", "",
       "## Correctness", "",
       "Max relative error max|C - C_ref| / max|C_ref| over all products and runs "
       "(threshold 1e-4): " +
       ", ".join(f"{l} {max_err[l]:.2e}" for l in libs) + ".", ""]

ranked = sorted((l for l in libs if max_err[l] < 1e-4),
                key=lambda l: sum(step[c][l] for c in step))
if ranked:
    per_cfg = "; ".join(
        f"{c}: " + ", ".join(f"{l} {step[c][l]:.3f} s"
                             for l in sorted(ranked, key=lambda l: step[c][l]))
        for c in step if step_flops[c] > 0)
    md.append(f"**Conclusion:** fastest correct library here is **{ranked[0]}** "
              f"(per-step GEMM time, {per_cfg}).")
results_md.write_text("\n".join(md) + "\n")
print(results_md.read_text())
EOF
