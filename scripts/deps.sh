#!/usr/bin/env bash
# Installs what the tests need: dubbo-python in a project venv, Zookeeper,
# a Nacos-compatible server (rnacos), h2spec, grpcurl, protoc, staticcheck, and the
# Apache Dubbo for Java peer (built with Maven into build/java). Each step
# skips what is there.
#
# deps.sh --background (make test) starts a missing rnacos's build first, in
# the background (see install-rnacos.sh), and installs the rest meanwhile.
set -euo pipefail
cd "$(dirname "$0")"
steps=(install-python.sh install-zookeeper.sh install-rnacos.sh install-h2spec.sh install-grpcurl.sh install-protoc.sh install-staticcheck.sh install-java-peer.sh)
case "${1:-}" in
--background)
	echo "== install-rnacos.sh --background"
	bash install-rnacos.sh --background
	steps=("${steps[@]/install-rnacos.sh/}")
	;;
"") ;;
*)
	echo "deps.sh: unknown argument ${1}; usage: deps.sh [--background]" >&2
	exit 2
	;;
esac
for step in "${steps[@]}"; do
	if [[ -n "$step" && -f "$step" ]]; then
		echo "== $step"
		bash "$step"
	fi
done
