#!/usr/bin/env bash
# `check --fix` against a plain `check` on a copy of ../shared/corpus (never asserted in a test; the
# target is under 2x). Each fix run starts from a fresh copy (hyperfine --prepare; the copy is not
# timed), since a fixed copy has nothing left to fix. Three runs:
#   check                        the plain check (the same copy, reset the same way)
#   check --fix --unsafe-fixes   every fix applied and written, then the changed directories re-linted
#   check --fix --unsafe-fixes --diff   the same fixes, printed as a diff
# usage: bench/fix.sh   (RUNS=20 sets hyperfine's runs; needs hyperfine, installed from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shared/ beside the checkout, or above it (a worktree under wt/), as the tests find it
shared=${SHARED:-}
if [[ -z $shared ]]; then
  d=$root
  while [[ $d != / && ! -d $d/shared/corpus ]]; do d=$(dirname "$d"); done
  shared=$d/shared
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null
cargo build --release -q --bin hostlint
bin=$root/target/release/hostlint
runs=${RUNS:-20}

reset="rm -rf $work/c && cp -r $shared/corpus $work/c"
eval "$reset"
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%F)"
echo "corpus: $(find "$work/c" -type f | wc -l) files, $(du -sh "$work/c" | cut -f1)"
echo "fixes: $("$bin" check --fix --unsafe-fixes --diff --fail-on none "$work/c" 2>&1 >/dev/null | head -1)"
eval "$reset"
hyperfine -N --warmup 3 --runs "$runs" --prepare "$reset" \
  -n check "$bin check --fail-on none --format json $work/c" \
  -n fix "$bin check --fix --unsafe-fixes --fail-on none --format json $work/c" \
  -n diff "$bin check --fix --unsafe-fixes --diff --fail-on none $work/c" \
  --export-json "$work/h.json" 2>&1 | grep -Ev '^\s*$'
python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["check"]["median"]
for name in ("fix", "diff"):
    print(f"{name} / check (medians): {r[name]['median'] / base:.2f}x")
PY
