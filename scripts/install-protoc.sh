#!/usr/bin/env bash
# Installs what `go generate ./...` needs for the .proto files: protoc and
# the well-known types (Debian's protobuf-compiler and libprotobuf-dev), and
# protoc-gen-go at the google.golang.org/protobuf version of go.mod, into
# $(go env GOPATH)/bin (or GOBIN). Each step skips what is already there.
# protoc-gen-go-streamx itself needs no install: go generate builds it from
# this checkout (internal/cmd/genproto).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

if command -v protoc >/dev/null 2>&1 && [[ -f /usr/include/google/protobuf/descriptor.proto ]]; then
	echo "install-protoc: $(command -v protoc) ($(protoc --version))"
else
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "install-protoc: protoc is missing and apt-get is not available; install protoc 3.21 or newer by hand" >&2
		exit 1
	fi
	SUDO=()
	if [[ "$(id -u)" -ne 0 ]]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-protoc: need root (or sudo) to run apt-get" >&2
			exit 1
		fi
		SUDO=(sudo)
	fi
	echo "install-protoc: apt-get install -y protobuf-compiler libprotobuf-dev"
	"${SUDO[@]}" apt-get update
	"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y protobuf-compiler libprotobuf-dev
	echo "install-protoc: $(command -v protoc) ($(protoc --version))"
fi

version=$($GO list -m -f '{{.Version}}' google.golang.org/protobuf)
gobin=$($GO env GOBIN)
if [[ -z "$gobin" ]]; then
	gobin="$($GO env GOPATH | cut -d: -f1)/bin"
fi
if [[ -x "$gobin/protoc-gen-go" ]] && "$gobin/protoc-gen-go" --version 2>/dev/null | grep -qx "protoc-gen-go $version"; then
	echo "install-protoc: $gobin/protoc-gen-go $version"
else
	$GO install "google.golang.org/protobuf/cmd/protoc-gen-go@$version"
	echo "install-protoc: installed $gobin/protoc-gen-go $version"
fi
