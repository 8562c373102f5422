#!/usr/bin/env bash
# Installs dubbo-python (and protoc for Python) into <build>/pyenv and
# generates greeter_pb2.py into <build>/pyenv/gen. Safe to run again: an
# importable venv installed from the same pins is reused.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STREAMX_BUILD_DIR:-$repo/build}"
venv="$build/pyenv"
gen="$venv/gen"
reqs="$repo/scripts/python-requirements.txt"
proto_dir="$repo/samples/proto"
python="${PYTHON:-python3}"

die() { echo "install-python: error: $*" >&2; exit 1; }
say() { echo "install-python: $*"; }

command -v "$python" >/dev/null || die "$python not found (set PYTHON=/path/to/python3, 3.9+)"
[[ -f "$reqs" ]] || die "missing $reqs"

# The stamp records which pins the venv was installed from.
want="$(sha256sum "$reqs" | cut -d' ' -f1)"
stamp="$venv/.streamx-requirements"
importable() {
  "$venv/bin/python" -c 'import dubbo, kazoo, google.protobuf, grpc_tools.protoc' 2>/dev/null
}

if [[ -x "$venv/bin/python" ]] && [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && importable; then
  say "reusing venv $venv"
else
  if [[ ! -x "$venv/bin/python" ]]; then
    say "creating venv $venv"
    mkdir -p "$build"
    "$python" -m venv "$venv" || die "python -m venv failed (on Debian: apt-get install python3-venv)"
  else
    say "updating venv $venv"
  fi
  say "installing pinned packages from $reqs"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$reqs" \
    || die "pip install failed (is PyPI reachable?)"
  importable || die "packages installed but 'import dubbo, kazoo, google.protobuf, grpc_tools' fails"
  echo "$want" >"$stamp"
fi

say "generating greeter_pb2.py into $gen"
mkdir -p "$gen"
"$venv/bin/python" -m grpc_tools.protoc -I "$proto_dir" --python_out="$gen" "$proto_dir/greeter.proto" \
  || die "protoc failed for $proto_dir/greeter.proto"
PYTHONPATH="$gen" "$venv/bin/python" -c 'import greeter_pb2; greeter_pb2.GreeterRequest(name="x").SerializeToString()' \
  || die "generated greeter_pb2.py does not import with the installed protobuf"
say "done: $venv/bin/python with PYTHONPATH=$gen"
