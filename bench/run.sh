#!/usr/bin/env bash
# hostlint's speed, measured side by side in one run (never asserted in a test):
#   1. hostlint vs checkov on the same copy of ../shared/corpus: wall time, peak RSS, ratio
#   2. a 64 MiB multi-document stream (../shared/bench/gen-corpus.py --stream-mb 64): MB/s and peak RSS,
#      and the ratio to a parse-only pass of the same YAML layer (bench/parse_only.rs)
#   3. 10 000 small files (--files 10000)
#   4. one small file with process start, as pre-commit runs it (hyperfine)
# usage: bench/run.sh            (installs checkov from PyPI and hyperfine from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared=${SHARED:-$root/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null
command -v checkov >/dev/null || pip install -q checkov >/dev/null

cargo build --release -q --bin hostlint --example parse_only
bin=$root/target/release/hostlint
parse_only=$root/target/release/examples/parse_only

# wall seconds and peak RSS (KiB) of a command, as "SECONDS KIB"
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true; cat "$work/time" | tail -1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); $(date -u +%F)"
echo

cp -r "$shared/corpus" "$work/corpus"
size=$(du -sb "$work/corpus" | cut -f1)
read -r h_s h_kb <<<"$(measure "$bin" check "$work/corpus" --format json)"
read -r c_s c_kb <<<"$(measure checkov -d "$work/corpus" --quiet --compact -o json)"
printf '1. corpus (%d files, %.1f MB)\n' "$(find "$work/corpus" -type f | wc -l)" "$(echo "$size/1000000" | bc -l)"
printf '   hostlint  %8.3f s  %7d KiB\n' "$h_s" "$h_kb"
printf '   checkov   %8.3f s  %7d KiB\n' "$c_s" "$c_kb"
printf '   ratio     %8.0fx faster, %.0fx less memory\n' "$(echo "$c_s/$h_s" | bc -l)" "$(echo "$c_kb/$h_kb" | bc -l)"
echo

python3 "$shared/bench/gen-corpus.py" "$work/gen" --files 10000 --stream-mb 64 >/dev/null
sync # let the kernel write the 110 MB out now, not during the runs
stream=$work/gen/stream.yaml
mb=$(echo "$(stat -c %s "$stream")/1048576" | bc -l)
# The median of 9 runs each (this 2-core VM's run-to-run spread is 10-20 %), peak RSS from one more.
median() {
    hyperfine -N -i --warmup 2 --runs 9 --export-json "$work/h.json" "$*" >/dev/null 2>&1
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$work/h.json"
}
s_s=$(median "$bin" check "$stream" --format json)
p_s=$(median "$parse_only" "$stream")
read -r _ s_kb <<<"$(measure "$bin" check "$stream" --format json)"
read -r _ p_kb <<<"$(measure "$parse_only" "$stream")"
printf '2. stream %.1f MiB (median of 9 runs)\n' "$mb"
printf '   hostlint    %6.3f s  %6.1f MiB/s  %7d KiB peak RSS\n' "$s_s" "$(echo "$mb/$s_s" | bc -l)" "$s_kb"
printf '   parse-only  %6.3f s  %6.1f MiB/s  %7d KiB peak RSS\n' "$p_s" "$(echo "$mb/$p_s" | bc -l)" "$p_kb"
printf '   ratio       %6.2fx of parse-only\n' "$(echo "$s_s/$p_s" | bc -l)"
echo

f_s=$(median "$bin" check "$work/gen/files" --format json)
read -r _ f_kb <<<"$(measure "$bin" check "$work/gen/files" --format json)"
printf '3. 10 000 files (%s, median of 9 runs)\n   hostlint    %6.3f s  %7d KiB\n\n' "$(du -sh --apparent-size "$work/gen/files" | cut -f1)" "$f_s" "$f_kb"

small=("$work"/gen/files/*.yaml)
echo "4. one small file ($(stat -c %s "${small[0]}") bytes), with process start (hyperfine)"
hyperfine -N --warmup 5 --runs 200 "$bin check --fail-on none ${small[0]}" 2>/dev/null | grep -E "Time|Range" || true
