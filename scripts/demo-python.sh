#!/usr/bin/env bash
# make demo-python: each Go counterpart of dubbo-python's samples (helloworld,
# serialization/*, stream/*) against a dubbo-python program of the same
# contract, both ways, by direct URL on 127.0.0.1. Installs dubbo-python
# into build/pyenv first if needed. (registry/zookeeper needs a Zookeeper:
# see samples/README.md.)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${STREAMX_BUILD_DIR:-$PWD/build}"
bash scripts/install-python.sh >/dev/null
py="$build/pyenv/bin/python"
export PYTHONPATH="$build/pyenv/gen"
bin="$build/bin"
mkdir -p "$bin"
samples=(helloworld serialization/json serialization/protobuf stream/client_stream stream/server_stream stream/bidi_stream)
for s in "${samples[@]}"; do
  go build -o "$bin/${s//\//-}-server" "./samples/$s/go-server"
  go build -o "$bin/${s//\//-}-client" "./samples/$s/go-client"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
wait_port() { for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1"; exit 1; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

for s in "${samples[@]}"; do
  name=${s//\//-}
  echo "== $s: dubbo-python client -> Go server (samples/$s/go-server)"
  port=$(free_port)
  out=$(mktemp)
  "$bin/$name-server" -port "$port" >"$out" 2>/dev/null </dev/null & pid=$!; pids+=("$pid")
  wait_port "$port"
  "$py" integrate_test/python/sample_client.py --sample "$s" --url "tri://127.0.0.1:$port" --text 2>/dev/null
  stop "$pid"
  echo "-- the Go server printed:"; cat "$out"; rm -f "$out"

  # One client per Python server: dubbo-python 3.0.0b1 hangs a connection
  # once a second one arrives.
  echo "== $s: Go client (samples/$s/go-client) -> dubbo-python server"
  port=$(free_port)
  out=$(mktemp)
  "$py" integrate_test/python/sample_server.py --sample "$s" --host 127.0.0.1 --port "$port" >"$out" 2>/dev/null & pid=$!; pids+=("$pid")
  wait_port "$port"
  "$bin/$name-client" -url "tri://127.0.0.1:$port"
  stop "$pid"
  echo "-- the Python server printed:"; grep -v '^READY ' "$out" || true; rm -f "$out"
done
echo "demo-python done"
