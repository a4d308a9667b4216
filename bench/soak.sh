#!/usr/bin/env bash
# Webhook soak (a benchmark, not a test): issue 17's "must show".
#   bench/soak.sh [SECONDS] [RATE]        (defaults: 300 1000)
# Starts the release `hostlint serve` (deny mode, --fail-on warning) with the Deployment's memory
# limit when the machine allows it (`systemd-run --scope -p MemoryMax=128M`; otherwise the server runs
# unconfined and its peak RSS is recorded from /proc), then runs `admission_load soak`: valid reviews
# at RATE/s mixed with fan-out templates, ~3 MiB scripts, bodies that never finish and thousands of
# idle connections. Prints the client's summary, the server's peak and final RSS, whether it is
# still alive and healthy, its request counters, and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
rate=${2:-1000}
port=${HOSTLINT_LOAD_PORT:-18445}
cargo build --release --quiet --bin hostlint --example admission_load
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
ulimit -n 20000 2>/dev/null || true
serve=(target/release/hostlint serve --listen "127.0.0.1:$port" --tls-cert "$dir/tls.crt" --tls-key "$dir/tls.key"
  --mode deny --fail-on warning)
if systemd-run --scope -q -p MemoryMax=128M true 2>/dev/null; then
  echo "memory: held to 128M by systemd-run --scope"
  systemd-run --scope -q -p MemoryMax=128M -p MemorySwapMax=0 "${serve[@]}" &
else
  echo "memory: systemd-run --scope unavailable here; recording the server's peak RSS instead"
  "${serve[@]}" &
fi
server=$!
for _ in $(seq 100); do
  curl -sf --cacert "$dir/tls.crt" "https://localhost:$port/readyz" >/dev/null && break
  sleep 0.1
done
pid=$(pgrep -n -f -- "--listen 127.0.0.1:$port" || echo "$server")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
peak=0
( while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    echo "$rss"
    sleep 1
  done ) > "$dir/rss" &
sampler=$!
status=0
HOSTLINT_LOAD_ADDR="127.0.0.1:$port" HOSTLINT_LOAD_CA="$dir/tls.crt" \
  nice -n 10 target/release/examples/admission_load soak "$secs" "$rate" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if kill -0 "$pid" 2>/dev/null; then
  echo "server: alive, /healthz $(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/tls.crt" "https://localhost:$port/healthz")"
  echo "server: peak RSS $(awk '/^VmHWM/ {print $2, $3}' "/proc/$pid/status"), now $(awk '/^VmRSS/ {print $2, $3}' "/proc/$pid/status")"
  sleep 3
  echo "server: RSS 3 s after the load stopped $(awk '/^VmRSS/ {print $2, $3}' "/proc/$pid/status")"
else
  echo "server: DEAD"
  status=1
fi
kill "$sampler" 2>/dev/null || true
echo "server: RSS samples (1/s, KiB): max $(sort -n "$dir/rss" | tail -1), median $(sort -n "$dir/rss" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
curl -sf --cacert "$dir/tls.crt" "https://localhost:$port/metrics" | grep -E '^hostlint_admission_requests_total' || true
exit "$status"
