#!/usr/bin/env bash
# `check --fix` against a plain `check` on copies of whole trees (never asserted in a test; the target
# is under 2x). Each run starts from a fresh copy (hyperfine --prepare; the copy is not timed), since a
# fixed copy has nothing left to fix. Three commands per tree:
#   check                              the plain check
#   fix    check --fix --unsafe-fixes  every fix applied and written, then the changed directories re-linted
#   diff   ... --diff                  the same fixes, printed as a diff
# Trees: ../shared/corpus when it is there (or CORPUS=DIR), the repository's fixtures/ (every rule's
# fail files: fixes in most of them), and 2000 generated workload files (../shared/bench/gen-corpus.py,
# about 1 in 10 with a host problem, some with a mount `--unsafe-fixes` makes read-only).
# (-i: a tree may hold an input hostlint refuses on purpose, which exits 2.)
# usage: bench/fix.sh   (RUNS=20 sets hyperfine's runs; needs hyperfine, installed from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shared/ beside the checkout, or above it (a worktree under wt/), as the tests find it
shared=${SHARED:-}
if [[ -z $shared ]]; then
  d=$root
  while [[ $d != / && ! -d $d/shared/bench ]]; do d=$(dirname "$d"); done
  shared=$d/shared
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >/dev/null
cargo build --release -q --bin hostlint
bin=$root/target/release/hostlint
runs=${RUNS:-20}
echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%F)"

tree() {
  local name=$1 src=$2
  # The reset is a script: hyperfine -N runs --prepare without a shell too, and `rm -rf A && cp -r B C`
  # split into words would remove B.
  printf 'rm -rf %q\ncp -r %q %q\n' "$work/t" "$src" "$work/t" >"$work/reset.sh"
  local reset="bash $work/reset.sh"
  eval "$reset"
  echo
  echo "== $name: $(find "$work/t" -type f | wc -l) files, $(du -sh "$work/t" | cut -f1);" \
    "$("$bin" check --fix --unsafe-fixes --diff --fail-on none "$work/t" 2>&1 >/dev/null | head -1)"
  eval "$reset"
  hyperfine -N -i --warmup 3 --runs "$runs" --prepare "$reset" \
    -n check "$bin check --fail-on none --format json $work/t" \
    -n fix "$bin check --fix --unsafe-fixes --fail-on none --format json $work/t" \
    -n diff "$bin check --fix --unsafe-fixes --diff --fail-on none $work/t" \
    --export-json "$work/h.json" 2>&1 | grep -E '^(Benchmark|  Time|  Range)'
  python3 - "$work/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["check"]["median"]
print("medians: check %.1f ms, fix %.1f ms (%.2fx), diff %.1f ms (%.2fx)" % (
    base * 1e3, r["fix"]["median"] * 1e3, r["fix"]["median"] / base,
    r["diff"]["median"] * 1e3, r["diff"]["median"] / base))
PY
}

corpus=${CORPUS:-$shared/corpus}
if [[ -d $corpus ]]; then tree corpus "$corpus"; else echo "(no $corpus: corpus skipped)"; fi
tree fixtures "$root/fixtures"
python3 "$shared/bench/gen-corpus.py" "$work/gen" --files 2000 >/dev/null
tree generated-2000 "$work/gen/files"
