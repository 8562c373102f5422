#!/usr/bin/env bash
# Installs rnacos, the Nacos 2.x compatible server the integration tests run.
# Safe to run again: it does nothing when rnacos is on PATH or in
# ~/.cargo/bin. The build takes many minutes on a small machine.
set -euo pipefail

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

if command -v rnacos >/dev/null 2>&1; then
	echo "install-rnacos: rnacos already on PATH ($(command -v rnacos)), nothing to do"
	exit 0
fi
if [[ -x "$CARGO_BIN/rnacos" ]]; then
	echo "install-rnacos: $CARGO_BIN/rnacos already installed, nothing to do"
	echo "install-rnacos: (add $CARGO_BIN to PATH, or the tests find it there)"
	exit 0
fi

CARGO=cargo
if ! command -v cargo >/dev/null 2>&1; then
	if [[ -x "$CARGO_BIN/cargo" ]]; then
		CARGO="$CARGO_BIN/cargo"
	else
		echo "install-rnacos: cargo not found; install a Rust toolchain (https://rustup.rs) first" >&2
		exit 1
	fi
fi

# The tests need a working server, not rnacos's fastest build: optimising
# (and its release profile's fat LTO and single codegen unit) is most of the
# build time, so the install builds it unoptimised (the caller's own
# CARGO_PROFILE_RELEASE_* win). The integration tests pass on that build.
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-off}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-256}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-0}"
export CARGO_PROFILE_RELEASE_DEBUG="${CARGO_PROFILE_RELEASE_DEBUG:-0}"
export CARGO_PROFILE_RELEASE_INCREMENTAL="${CARGO_PROFILE_RELEASE_INCREMENTAL:-false}"
echo "install-rnacos: $CARGO install --locked rnacos (this takes a while; see README, \"Two commands\")"
"$CARGO" install --locked rnacos

if [[ ! -x "$CARGO_BIN/rnacos" ]] && ! command -v rnacos >/dev/null 2>&1; then
	echo "install-rnacos: cargo finished but rnacos is not in $CARGO_BIN nor on PATH" >&2
	exit 1
fi
echo "install-rnacos: done"
