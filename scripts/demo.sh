#!/usr/bin/env bash
# make demo: a Go provider and a Go consumer in every call kind, by direct
# URL on 127.0.0.1; no registry needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${STREAMX_BUILD_DIR:-$PWD/build}/bin"
mkdir -p "$bin"
echo "== building the samples"
go build -o "$bin/greeter-server" ./samples/stream/unary/go-server
for kind in unary client_stream server_stream bidi_stream; do
  go build -o "$bin/$kind-client" "./samples/stream/$kind/go-client"
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin/greeter-server" -port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "provider exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done
echo "== Greeter provider on 127.0.0.1:$port"
for kind in unary client_stream server_stream bidi_stream; do
  echo "== $kind"
  "$bin/$kind-client" -url "tri://127.0.0.1:$port"
done
echo "== stopping the provider"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
rm -f "$log"
echo "demo done"
