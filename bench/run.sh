#!/usr/bin/env bash
# hostlint's speed, measured side by side in one run (never asserted in a test):
#   1. hostlint vs checkov on the same copy of ../shared/corpus: wall time, peak RSS, ratio
#   2. a 64 MiB multi-document stream (../shared/bench/gen-corpus.py --stream-mb 64): MB/s and peak RSS,
#      and the ratio to a parse-only pass of the same YAML layer (bench/parse_only.rs), both measured in
#      one loop, interleaved (hostlint, parse-only, hostlint, ...), so that both see the same machine
#      state; the ratio is reported per pair: median and spread
#   3. 10 000 small files (--files 10000)
#   4. one small file with process start, as pre-commit runs it (hyperfine)
# usage: bench/run.sh [SECTION...]   sections 1-4 (default all); installs checkov from PyPI (section 1)
#                                    and hyperfine from Debian if missing. PAIRS=15 sets section 2's pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${SHARED:-$root/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sections=${*:-1 2 3 4}
want() { [[ " $sections " == *" $1 "* ]]; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null
if want 1; then command -v checkov >/dev/null || pip install -q checkov >/dev/null; fi

cargo build --release -q --bin hostlint --example parse_only
bin=$root/target/release/hostlint
parse_only=$root/target/release/examples/parse_only

# wall seconds and peak RSS (KiB) of a command, as "SECONDS KIB"
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true; cat "$work/time" | tail -1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); $(date -u +%F)"
echo

if want 1; then
cp -r "$shared/corpus" "$work/corpus"
size=$(du -sb "$work/corpus" | cut -f1)
read -r h_s h_kb <<<"$(measure "$bin" check "$work/corpus" --format json)"
read -r c_s c_kb <<<"$(measure checkov -d "$work/corpus" --quiet --compact -o json)"
printf '1. corpus (%d files, %.1f MB)\n' "$(find "$work/corpus" -type f | wc -l)" "$(echo "$size/1000000" | bc -l)"
printf '   hostlint  %8.3f s  %7d KiB\n' "$h_s" "$h_kb"
printf '   checkov   %8.3f s  %7d KiB\n' "$c_s" "$c_kb"
printf '   ratio     %8.0fx faster, %.0fx less memory\n' "$(echo "$c_s/$h_s" | bc -l)" "$(echo "$c_kb/$h_kb" | bc -l)"
echo
fi

python3 "$shared/bench/gen-corpus.py" "$work/gen" --files 10000 --stream-mb 64 >/dev/null
sync # let the kernel write the 110 MB out now, not during the runs
stream=$work/gen/stream.yaml
mb=$(echo "$(stat -c %s "$stream")/1048576" | bc -l)
# The median of 9 runs each (this 2-core VM's run-to-run spread is 10-20 %), peak RSS from one more.
median() {
    hyperfine -N -i --warmup 2 --runs 9 --export-json "$work/h.json" "$*" >/dev/null 2>&1
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$work/h.json"
}
if want 2; then
# Interleaved pairs: each pair runs hostlint and parse-only back to back (which goes first alternates),
# after one warm-up pair; the ratio is computed per pair, so drift in the machine's speed (other jobs
# on these 2 cores, page cache, frequency) moves both sides of a pair together. CPU time (user + system,
# every thread) is reported too: hostlint lints on every core and parse-only runs on one, so the wall
# ratio depends on how many cores are free, the CPU ratio much less.
python3 - "$bin" "$parse_only" "$stream" "$mb" "${PAIRS:-15}" <<'PY'
import os, resource, statistics, subprocess, sys, time
hostlint, parse_only, stream, mb, pairs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
cmds = {"hostlint": [hostlint, "check", stream, "--format", "json", "--fail-on", "none"],
        "parse-only": [parse_only, stream]}
def run(name):
    """Wall seconds and CPU seconds (user + system, all threads) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmds[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
run("hostlint"); run("parse-only")
wall = {"hostlint": [], "parse-only": []}
cpu = {"hostlint": [], "parse-only": []}
ratios, cpu_ratios = [], []
for i in range(pairs):
    order = ["hostlint", "parse-only"] if i % 2 == 0 else ["parse-only", "hostlint"]
    got = {name: run(name) for name in order}
    for name, (w, c) in got.items():
        wall[name].append(w)
        cpu[name].append(c)
    ratios.append(got["hostlint"][0] / got["parse-only"][0])
    cpu_ratios.append(got["hostlint"][1] / got["parse-only"][1])
q = lambda xs: statistics.quantiles(xs, n=4)
load = os.getloadavg()[0]
print(f"2. stream {mb:.1f} MiB ({pairs} interleaved pairs; median, quartiles, min-max; load average {load:.1f} on {os.cpu_count()} cores)")
for name, xs in wall.items():
    m = statistics.median(xs)
    lo, _, hi = q(xs)
    print(f"   {name:<11} {m:6.3f} s  {mb / m:6.1f} MiB/s   quartiles {lo:.3f}-{hi:.3f} s, range {min(xs):.3f}-{max(xs):.3f} s; CPU {statistics.median(cpu[name]):.3f} s")
lo, _, hi = q(ratios)
print(f"   ratio       {statistics.median(ratios):6.2f}x of parse-only (wall)   quartiles {lo:.2f}-{hi:.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x")
lo, _, hi = q(cpu_ratios)
print(f"               {statistics.median(cpu_ratios):6.2f}x of parse-only (CPU)    quartiles {lo:.2f}-{hi:.2f}x, range {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f}x")
PY
read -r _ s_kb <<<"$(measure "$bin" check "$stream" --format json)"
read -r _ p_kb <<<"$(measure "$parse_only" "$stream")"
printf '   peak RSS    hostlint %d KiB, parse-only %d KiB\n\n' "$s_kb" "$p_kb"
fi

if want 3; then
f_s=$(median "$bin" check "$work/gen/files" --format json)
read -r _ f_kb <<<"$(measure "$bin" check "$work/gen/files" --format json)"
printf '3. 10 000 files (%s, median of 9 runs)\n   hostlint    %6.3f s  %7d KiB\n\n' "$(du -sh --apparent-size "$work/gen/files" | cut -f1)" "$f_s" "$f_kb"
fi

want 4 || exit 0
small=("$work"/gen/files/*.yaml)
echo "4. one small file ($(stat -c %s "${small[0]}") bytes), with process start (hyperfine)"
hyperfine -N --warmup 5 --runs 200 "$bin check --fail-on none ${small[0]}" 2>/dev/null | grep -E "Time|Range" || true
