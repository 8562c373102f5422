#!/usr/bin/env bash
# Installs what the tests need: dubbo-python in a project venv, Zookeeper,
# a Nacos-compatible server (rnacos), h2spec, protoc, staticcheck. Each step
# skips what is there.
set -euo pipefail
cd "$(dirname "$0")"
for step in install-python.sh install-zookeeper.sh install-rnacos.sh install-h2spec.sh install-protoc.sh install-staticcheck.sh; do
  if [ -f "$step" ]; then
    echo "== $step"
    bash "$step"
  fi
done
