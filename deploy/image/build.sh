#!/usr/bin/env bash
# Builds the webhook image ghcr.io/hostlint/hostlint:<version> from this checkout, offline: a statically
# linked release binary (`--features server`) in a FROM-scratch image (deploy/image/Containerfile), with
# buildah (no daemon; `vfs` storage and `chroot` isolation so it also works inside a container).
#
# usage: deploy/image/build.sh            build the image, print its name and size
#        deploy/image/build.sh --smoke    also run `hostlint --version` and `hostlint serve` inside it and
#                                         probe /healthz and /readyz over TLS (what CI runs)
#        deploy/image/build.sh --oci-archive FILE   also write the image to an OCI archive (release workflow)
# Needs: cargo, buildah (Debian: apt-get install buildah), and for --smoke openssl and curl.
# Static binary: the musl target when rustup can add it, else glibc with `+crt-static` (the crate is pure
# Rust apart from ring's C, which both link statically).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
smoke=false
archive=
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=true ;;
        --oci-archive) archive=$2; shift ;;
        *) echo "usage: $0 [--smoke] [--oci-archive FILE]" >&2; exit 2 ;;
    esac
    shift
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
image=ghcr.io/hostlint/hostlint:$version
store=(--storage-driver vfs)

host=$(rustc -vV | sed -n 's/^host: //p')
arch=${host%%-*}
if rustup target list --installed 2>/dev/null | grep -qx "$arch-unknown-linux-musl" \
    || rustup target add "$arch-unknown-linux-musl" >/dev/null 2>&1; then
    target=$arch-unknown-linux-musl
    flags=
else
    echo "note: no musl target here; building a static glibc binary instead" >&2
    target=$arch-unknown-linux-gnu
    flags="-C target-feature=+crt-static"
fi
echo "== cargo build --release --locked --features server --target $target"
RUSTFLAGS="${RUSTFLAGS:-} $flags" cargo build --release --locked --features server --target "$target" --bin hostlint
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target_dir/$target/release/hostlint
if readelf -l "$bin" | grep -q "Requesting program interpreter"; then
    echo "error: $bin is dynamically linked" >&2
    exit 1
fi

ctx=$(mktemp -d)
cleanup() { rm -rf "$ctx"; }
trap cleanup EXIT
cp "$bin" "$ctx/hostlint"
strip "$ctx/hostlint" 2>/dev/null || true
echo "== buildah build $image"
buildah "${store[@]}" build --quiet --isolation chroot --layers=false --build-arg "VERSION=$version" \
    -f "$root/deploy/image/Containerfile" -t "$image" "$ctx" >/dev/null
size=$(buildah "${store[@]}" images --format '{{.Size}}' "$image" | head -1)
echo "built $image ($size)"
if [ -n "$archive" ]; then
    buildah "${store[@]}" push "$image" "oci-archive:$archive:$image" >/dev/null
    echo "wrote $archive"
fi
$smoke || exit 0

echo "== smoke test: the image's binary, then the webhook over TLS"
ctr=$(buildah "${store[@]}" from --quiet "$image")
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    buildah "${store[@]}" rm "$ctr" >/dev/null 2>&1 || true
    rm -rf "$ctx"
}
run() { buildah "${store[@]}" run --isolation chroot --user 65532:65532 "$@"; }
got=$(run "$ctr" -- /hostlint --version)
[ "$got" = "hostlint $version" ] || { echo "error: --version said '$got'" >&2; exit 1; }
echo "ok: $got"

# A throwaway CA-less self-signed certificate for 127.0.0.1, readable by user 65532.
tls=$ctx/tls
mkdir "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$tls/tls.key" -out "$tls/tls.crt" 2>/dev/null
chmod 0755 "$ctx" "$tls" && chmod 0444 "$tls"/*
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# chroot isolation shares the host's network, so the webhook listens on this machine's loopback.
# buildah itself in the background (not a function's subshell), so that $! is buildah's pid and
# signalling it stops the webhook.
buildah "${store[@]}" run --isolation chroot --user 65532:65532 --volume "$tls:/etc/hostlint/tls:ro" "$ctr" -- \
    /hostlint serve --listen "127.0.0.1:$port" --tls-cert /etc/hostlint/tls/tls.crt --tls-key /etc/hostlint/tls/tls.key &
pid=$!
for _ in $(seq 50); do
    curl -fsS --cacert "$tls/tls.crt" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "error: serve exited" >&2; exit 1; }
    sleep 0.2
done
for route in healthz readyz; do
    code=$(curl -sS --cacert "$tls/tls.crt" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/$route")
    [ "$code" = 200 ] || { echo "error: /$route answered $code" >&2; exit 1; }
    echo "ok: GET https://127.0.0.1:$port/$route -> $code"
done
review=$(curl -sS --cacert "$tls/tls.crt" -H 'Content-Type: application/json' \
    --data-binary @"$root/examples/admission-review.json" "https://127.0.0.1:$port/validate")
case "$review" in
    *'"allowed":true'*'"warnings"'* | *'"warnings"'*'"allowed":true'*) echo "ok: POST /validate allowed with warnings" ;;
    *) echo "error: unexpected /validate answer: $review" >&2; exit 1 ;;
esac
# Stop it. (buildah run answers SIGTERM by killing the process outright, so the graceful drain is not
# observable here; tests/admission.rs tests it on the binary.)
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=
echo "image $image: $size"
