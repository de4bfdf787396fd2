#!/usr/bin/env python3
"""Do two study reports reach the same conclusions? (issue 16)

Reads the observations of two report.md files written by `paratrain study`
(or `paratrain report`) and compares, point by point:
  - the winner at each swept point (a strategy named ahead beyond noise, or
    the set of strategies tied within noise);
  - each link rate's leader across hosts;
  - each "below 90% of seq" flag that holds beyond noise;
  - what bf16 and recompute did to each strategy's tokens/s (faster, slower
    beyond noise, or tied).
Prints one line per point that differs and a summary. A difference is a
contradiction when the two reports cannot both be right: two different
winners beyond noise, a winner the other report does not even tie with the
leader, or bf16/recompute faster beyond noise in one and slower beyond noise
in the other. Exits 0 when every conclusion agrees, 1 otherwise.

  python3 bench/noise/compare_studies.py studyA/report.md studyB/report.md
"""
import re
import sys


def section(text, heading):
    start = text.find("### " + heading)
    if start < 0:
        return []
    end = text.find("\n#", start + 4)
    body = text[start:end if end >= 0 else len(text)]
    return [line[2:] for line in body.splitlines() if line.startswith("- ")]


def strategies_in(listing):
    # "dp2 1900 tokens/s (1700–2100), tp2 1800 tokens/s (...)"
    return sorted(set(re.findall(r"([\w.-]+) \d+ tokens/s", listing)))


def winners(text):
    found = {}
    for line in section(text, "Highest raw throughput at each swept point"):
        point, _, rest = line.partition(": ")
        if rest.startswith("**tied within noise**"):
            found[point] = ("tied", tuple(strategies_in(rest)))
        else:
            match = re.match(r"\*\*([\w.-]+)\*\*", rest)
            found[point] = ("wins", (match.group(1),) if match else (rest,))
    return found


def host_leaders(text):
    found = {}
    for line in section(text, "Across hosts: which strategy wins at which link rate"):
        match = re.match(r"At ([\w.]+): (.*)", line)
        if not match or "runs" in match.group(2).split(";")[0]:
            continue
        rate, rest = match.groups()
        leader = re.match(r"\*\*([^*]+)\*\* leads", rest)
        if leader:
            found["link " + rate] = ("leads", leader.group(1))
        else:
            tied = re.search(r"tied within noise\*\* with (.+?)\);", rest)
            found["link " + rate] = ("tied", tied.group(1) if tied else rest.split(";")[0])
    return found


def drops(text):
    found = {}
    for line in section(text, "Per-device efficiency against seq"):
        match = re.match(r"([\w.-]+), varying (\w+): (.*)", line)
        if not match:
            continue
        strategy, field, rest = match.groups()
        below = re.search(r"\*\*below 90%\*\* of seq's per-device throughput at ([^;]*)", rest)
        values = re.findall(r"(\d+) \(", below.group(1)) if below else []
        found[strategy + " varying " + field] = ("below 90% beyond noise at", tuple(values))
    return found


def numerics(text):
    found = {}
    for line in section(text, "What bf16 and recomputation bought"):
        match = re.match(r"\*\*([^*]+)\*\* on ([\w.-]+): [\d.]+× the tokens/s \(([^)]*)\)", line)
        if match:
            variant, strategy, judged = match.groups()
            found[variant + " on " + strategy] = ("", judged)
    return found


def contradicts(a, b):
    """Two conclusions about one point that cannot both hold."""
    (kind_a, what_a), (kind_b, what_b) = a, b
    if "absent" in (kind_a, kind_b):
        return False
    if kind_a == "wins" and kind_b == "wins":
        return what_a != what_b
    if {kind_a, kind_b} == {"wins", "tied"}:
        winner, tied = (what_a, what_b) if kind_a == "wins" else (what_b, what_a)
        return winner[0] not in tied
    if kind_a == "leads" and kind_b == "leads":
        return what_a != what_b
    if kind_a == "" and kind_b == "":
        return {what_a, what_b} == {"faster beyond noise", "slower beyond noise"}
    return False


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare_studies.py A/report.md B/report.md")
    texts = [open(path, encoding="utf-8").read() for path in sys.argv[1:]]
    differ = 0
    total = 0
    contradictions = 0
    for name, reader in [("winner", winners), ("across hosts", host_leaders), ("efficiency", drops),
                         ("bf16/recompute", numerics)]:
        first, second = reader(texts[0]), reader(texts[1])
        same = 0
        for point in sorted(set(first) | set(second)):
            total += 1
            a, b = first.get(point, ("absent", ())), second.get(point, ("absent", ()))
            if a == b:
                same += 1
            else:
                differ += 1
                clash = contradicts(a, b)
                contradictions += clash
                print(f"{'CONTRADICTS' if clash else 'DIFFERS'}  {name:14s} {point}: {a} | {b}")
        print(f"{name}: {same} of {len(set(first) | set(second))} points agree")
    print(f"all: {total - differ} of {total} conclusions agree; {contradictions} contradict")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
