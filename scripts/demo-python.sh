#!/usr/bin/env bash
# make demo-python: Go and dubbo-python talking both ways, by direct URL on
# 127.0.0.1. Installs dubbo-python into build/pyenv first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${STREAMX_BUILD_DIR:-$PWD/build}"
bash scripts/install-python.sh >/dev/null
py="$build/pyenv/bin/python"
export PYTHONPATH="$build/pyenv/gen"
bin="$build/bin"
mkdir -p "$bin"
go build -o "$bin/greeter-server" ./samples/stream/unary/go-server
for kind in unary client_stream server_stream bidi_stream; do
  go build -o "$bin/$kind-client" "./samples/stream/$kind/go-client"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1"; exit 1; }

echo "== dubbo-python consumer -> Go provider"
port=$(free_port)
"$bin/greeter-server" -port "$port" >/dev/null 2>&1 & pids+=($!)
wait_port "$port"
"$py" integrate_test/python/greeter_client.py --url "tri://127.0.0.1:$port" \
  --case unary --case client_stream_write --case server_stream --case bidi --case timed_read --case json_unary

echo "== Go consumer -> dubbo-python provider (one provider per consumer: dubbo-python 3.0.0b1 hangs a connection once a second one arrives)"
for kind in unary client_stream server_stream bidi_stream; do
  port=$(free_port)
  "$py" integrate_test/python/greeter_server.py --host 127.0.0.1 --port "$port" >/dev/null 2>&1 & pid=$!
  pids+=("$pid")
  wait_port "$port"
  echo "-- $kind"
  "$bin/$kind-client" -url "tri://127.0.0.1:$port"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "demo-python done"
