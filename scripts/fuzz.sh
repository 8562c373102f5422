#!/usr/bin/env bash
# Runs one fuzz target: scripts/fuzz.sh GO TARGET PACKAGE FLAGS...
# Fails on any finding. Go 1.26's fuzz coordinator can also fail a clean
# run at the -fuzztime boundary with a bare "context deadline exceeded"
# and no failing input (golang/go#75804, fixed in Go 1.27): that one case
# is reported and not counted as a failure. A real finding always says
# "Failing input written to".
set -uo pipefail
go_bin=$1 target=$2 pkg=$3
shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$go_bin" test "$@" -fuzz "^${target}\$" "$pkg" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if [[ $rc -ne 0 ]] && ! grep -q "Failing input written to" "$out" &&
	grep -q "^    context deadline exceeded$" "$out" &&
	[[ $(grep -c -- "--- FAIL" "$out") -eq 1 ]]; then
	echo "fuzz.sh: $target: Go's fuzz coordinator ended with its known deadline race (golang/go#75804); no failing input, not a finding"
	exit 0
fi
exit "$rc"
