#!/usr/bin/env bash
# Installs grpcurl (integrate_test/grpcurl_test.go runs it against a
# provider) into $(go env GOPATH)/bin, unless the pinned version is there.
set -euo pipefail
GO=${GO:-go}
version=v1.9.4
gobin="$($GO env GOPATH | cut -d: -f1)/bin"
# go install leaves "dev build" in -version: read the module's version instead.
if [ -x "$gobin/grpcurl" ] && $GO version -m "$gobin/grpcurl" | grep -Eq "^\s+mod\s+github.com/fullstorydev/grpcurl\s+$version\s"; then
  echo "grpcurl: $gobin/grpcurl"
  exit 0
fi
$GO install github.com/fullstorydev/grpcurl/cmd/grpcurl@$version
echo "grpcurl: installed $gobin/grpcurl"
