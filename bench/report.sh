#!/usr/bin/env bash
# `hostlint report` against `hostlint check` on one big cluster dump (issue 22: "a 50 MB cluster dump
# reports in about the time check takes"). Measured, never asserted in a test.
#   - a `kubectl get -A -o yaml` dump from bench/gen-dump.py (owner chains, status, managedFields)
#   - hyperfine medians, interleaved in one run: check --format json, report --format json|markdown|html
#   - peak RSS of each (GNU time)
# usage: bench/report.sh [MB]   (default 50); installs hyperfine from Debian if missing
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null

cargo build --release -q --bin hostlint
bin=$PWD/target/release/hostlint
python3 bench/gen-dump.py "$work/dump.yaml" --mb "$mb"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%F)"

cd "$work"
hyperfine -N -i --warmup 1 --runs "${RUNS:-7}" --export-json h.json \
    "$bin check --format json --output check.json dump.yaml" \
    "$bin report --format json --output report.json dump.yaml" \
    "$bin report --format markdown --output report.md dump.yaml" \
    "$bin report --format html --output report.html dump.yaml" >/dev/null
python3 - h.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
for x in r:
    cmd = x["command"].split("hostlint ", 1)[1].split(" --output")[0]
    print(f"  {cmd:28s} median {x['median']:6.2f} s  (min {x['min']:.2f}, max {x['max']:.2f})  {x['median'] / base:5.2f}x check")
PY
for args in "check --format json" "report --format json" "report --format markdown" "report --format html"; do
    /usr/bin/time -f "%M" -o rss $bin $args --output out dump.yaml >/dev/null 2>&1 || true
    printf '  %-28s peak RSS %6d MiB, output %6.1f MB\n' "$args" "$(( $(tail -1 rss) / 1024 ))" "$(echo "$(stat -c %s out)/1000000" | bc -l)"
done
