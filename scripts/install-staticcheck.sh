#!/usr/bin/env bash
# Installs staticcheck (run by `make vet`) into $(go env GOPATH)/bin,
# unless the pinned version is already there.
set -euo pipefail
GO=${GO:-go}
version=v0.8.2
gobin="$($GO env GOPATH | cut -d: -f1)/bin"
if [ -x "$gobin/staticcheck" ] && "$gobin/staticcheck" -version 2>/dev/null | grep -q "$version"; then
  echo "staticcheck: $gobin/staticcheck"
  exit 0
fi
$GO install honnef.co/go/tools/cmd/staticcheck@$version
echo "staticcheck: installed $gobin/staticcheck"
