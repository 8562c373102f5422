#!/usr/bin/env bash
# Installs h2spec (HTTP/2 conformance, used by integrate_test/h2spec_test.go)
# into $(go env GOPATH)/bin, unless it is on PATH or already there.
set -euo pipefail
GO=${GO:-go}
gobin="$($GO env GOPATH | cut -d: -f1)/bin"
if command -v h2spec >/dev/null 2>&1; then
  echo "h2spec: $(command -v h2spec)"
  exit 0
fi
if [ -x "$gobin/h2spec" ]; then
  echo "h2spec: $gobin/h2spec"
  exit 0
fi
# @latest resolves to v2.2.1+incompatible (later tags lack a /v2 module path).
$GO install github.com/summerwind/h2spec/cmd/h2spec@latest
echo "h2spec: installed $gobin/h2spec"
