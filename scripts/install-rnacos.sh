#!/usr/bin/env bash
# Installs rnacos, the Nacos 2.x compatible server the integration tests run.
# Safe to run again: it does nothing when rnacos is on PATH or in
# ~/.cargo/bin. The build takes many minutes on a small machine.
#
# With --background (what `make test` passes) a missing rnacos is built in
# a background process, which outlives make, at the lowest CPU priority, so that the build
# overlaps with vet and the tests instead of coming before them; the tests
# that need rnacos wait for it (internal/testenv). The build's state is in
# $STREAMX_BUILD_DIR/rnacos-install/: pid, log, and rc once it has ended.
set -euo pipefail

background=false
case "${1:-}" in
--background) background=true ;;
"") ;;
*)
	echo "install-rnacos: unknown argument ${1}; usage: install-rnacos.sh [--background]" >&2
	exit 2
	;;
esac

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
if $background; then
	state="${STREAMX_BUILD_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build}/rnacos-install"
	mkdir -p "$state"
	# Running means what internal/testenv's rnacosBuilding checks: a pid, no
	# rc, and that process alive and still install-rnacos's.
	pid=$(cat "$state/pid" 2>/dev/null || true)
	if [[ -n "$pid" && ! -f "$state/rc" ]] && kill -0 "$pid" 2>/dev/null &&
		grep -qa install-rnacos "/proc/$pid/cmdline" 2>/dev/null; then
		echo "install-rnacos: a background build is already running (pid $(cat "$state/pid"), log $state/log)"
		exit 0
	fi
	rm -f "$state/rc" "$state/pid"
	# The build outlives this script (and make). nice/ionice: the tests keep
	# the CPU when they want it; it stays in the caller's session, since the
	# kernel's autogroups would otherwise share the CPU between sessions
	# whatever the nice value. rc is written last, after the binary is in
	# place.
	nice -n 19 ionice -c 3 bash -c '
		"$1" install --locked rnacos >"$2/log" 2>&1
		rc=$?
		if [[ $rc -eq 0 && ! -x "$3/rnacos" ]] && ! command -v rnacos >/dev/null 2>&1; then
			echo "install-rnacos: cargo finished but rnacos is not in $3 nor on PATH" >>"$2/log"
			rc=1
		fi
		echo $rc >"$2/rc.tmp" && mv "$2/rc.tmp" "$2/rc"
	' install-rnacos "$CARGO" "$state" "$CARGO_BIN" </dev/null >/dev/null 2>&1 &
	echo $! >"$state/pid"
	echo "install-rnacos: building rnacos in the background (pid $!, log $state/log); the tests that need it wait for it"
	exit 0
fi

echo "install-rnacos: $CARGO install --locked rnacos (this takes a while; see README, \"Two commands\")"
"$CARGO" install --locked rnacos

if [[ ! -x "$CARGO_BIN/rnacos" ]] && ! command -v rnacos >/dev/null 2>&1; then
	echo "install-rnacos: cargo finished but rnacos is not in $CARGO_BIN nor on PATH" >&2
	exit 1
fi
echo "install-rnacos: done"
