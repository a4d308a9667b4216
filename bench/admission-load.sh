#!/usr/bin/env bash
# Bounded load run against a real `hostlint serve` process (a benchmark, not a test).
#   bench/admission-load.sh [REQUESTS] [CONNECTIONS]      (defaults: 20000 64)
# Builds release binaries, makes a throwaway self-signed (non-CA) certificate for `localhost`, starts the
# webhook in deny mode, and runs the client at lower priority (`nice`) so that, on a small machine, the
# numbers describe the server rather than the load generator competing with it for the same cores.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-20000}
connections=${2:-64}
port=${HOSTLINT_LOAD_PORT:-18444}
cargo build --release --quiet --bin hostlint --example admission_load
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
target/release/hostlint serve --listen "127.0.0.1:$port" --tls-cert "$dir/tls.crt" --tls-key "$dir/tls.key" \
  --mode deny --fail-on warning &
server=$!
for _ in $(seq 50); do
  curl -sf --cacert "$dir/tls.crt" "https://localhost:$port/readyz" >/dev/null && break
  sleep 0.1
done
HOSTLINT_LOAD_ADDR="127.0.0.1:$port" HOSTLINT_LOAD_CA="$dir/tls.crt" \
  nice -n 10 target/release/examples/admission_load "$requests" "$connections"
curl -sf --cacert "$dir/tls.crt" "https://localhost:$port/metrics" | grep -E '^hostlint_admission_(requests_total|review_duration_seconds_(count|sum))'
