#!/usr/bin/env bash
# make demo: a Go provider and a Go consumer in every call kind, by direct
# URL on 127.0.0.1; no registry needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${STREAMX_BUILD_DIR:-$PWD/build}/bin"
mkdir -p "$bin"
echo "== building the samples"
go build -o "$bin/four_kinds-server" ./samples/go-only/four_kinds/go-server
go build -o "$bin/four_kinds-client" ./samples/go-only/four_kinds/go-client
go build -o "$bin/timed_read-client" ./samples/go-only/timed_read/go-client

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin/four_kinds-server" -port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "provider exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done
echo "== Greeter provider (samples/go-only/four_kinds/go-server) on 127.0.0.1:$port"
echo "== every call kind (samples/go-only/four_kinds/go-client)"
"$bin/four_kinds-client" -url "tri://127.0.0.1:$port"
echo "== timed reads of a slow stream (samples/go-only/timed_read/go-client)"
"$bin/timed_read-client" -url "tri://127.0.0.1:$port"
echo "== stopping the provider"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
rm -f "$log"
echo "demo done"
