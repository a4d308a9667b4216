#!/usr/bin/env bash
# `hostlint report` against `hostlint check` on big cluster dumps (issue 22: "a 50 MB cluster dump
# reports in about the time check takes"). Measured, never asserted in a test.
#   - dumps from bench/gen-dump.py (owner chains, status, managedFields, as the API server returns them):
#     A. 50 MB taken namespace by namespace: one `kind: List` document per ~1 MB, `---` between them
#     B. 30 MB as one `kind: List` document, as `kubectl get -A -o yaml` writes it (one document may
#        be at most 32 MiB by default: a bigger single List is an input error for `check` and `report`)
#     C. 50 MB as one `kind: List` document, read with `--max-document-size 64M`
#   - hyperfine: wall medians and CPU time (user + system, every thread: steadier than wall on a
#     shared machine) of check --format json, report --format json|markdown|html
#   - peak RSS of each (GNU time); every run is checked to have read its input without an input error
# usage: bench/report.sh [A|B|C]...   (all by default; RUNS=7 by default); installs hyperfine from
#        Debian if missing
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null

cargo build --release -q --bin hostlint
bin=$PWD/target/release/hostlint
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%F)"

run() { # NAME FLAGS GEN-ARGS...   (FLAGS: options for every check and report run, may be "")
    local name=$1 flags=$2; shift 2
    python3 bench/gen-dump.py "$work/$name.yaml" "$@"
    (
    cd "$work"
    # shellcheck disable=SC2086 # FLAGS are words
    "$bin" report $flags --format json --fail-on none --output r.json "$name.yaml"
    python3 -c "import json,sys; s=json.load(open('r.json'))['summary']; assert s['input_errors']==0, s; print('  ', s['objects'], 'objects,', s['findings'], 'findings')"
    hyperfine -N -i --warmup 1 --runs "${RUNS:-7}" --export-json h.json \
        "$bin check $flags --format json --output check.json $name.yaml" \
        "$bin report $flags --format json --output report.json $name.yaml" \
        "$bin report $flags --format markdown --output report.md $name.yaml" \
        "$bin report $flags --format html --output report.html $name.yaml" >/dev/null 2>&1
    python3 - h.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["median"]
base_cpu = r[0]["user"] + r[0]["system"]
for x in r:
    cmd = x["command"].split("hostlint ", 1)[1].split(" --output")[0].replace(" --max-document-size 64M", "")
    cmd = " ".join(cmd.split())
    cpu = x["user"] + x["system"]
    print(f"  {cmd:26s} wall median {x['median']:5.2f} s ({x['median'] / base:4.2f}x check)  CPU mean {cpu:5.2f} s ({cpu / base_cpu:4.2f}x check)")
PY
    for args in "check --format json" "report --format json" "report --format markdown" "report --format html"; do
        # shellcheck disable=SC2086
        /usr/bin/time -f "%M" -o rss "$bin" $args $flags --output out "$name.yaml" >/dev/null 2>&1 || true
        printf '  %-26s peak RSS %5d MiB, output %6.2f MB\n' "$args" "$(( $(tail -1 rss) / 1024 ))" "$(echo "$(stat -c %s out)/1000000" | bc -l)"
    done
    )
}
cases=" ${*:-A B C} "
if [[ $cases == *" A "* ]]; then
    echo "A. 50 MB, one List per ~1 MB"
    run per-namespace "" --mb 50 --list-mb 1
fi
if [[ $cases == *" B "* ]]; then
    echo "B. 30 MB, one List"
    run one-list "" --mb 30
fi
if [[ $cases == *" C "* ]]; then
    echo "C. 50 MB, one List, --max-document-size 64M"
    run one-big-list "--max-document-size 64M" --mb 50
fi
