#!/usr/bin/env bash
# Installs the Zookeeper server jar the integration tests run
# (/usr/share/java/zookeeper.jar, Debian package libzookeeper-java).
# Safe to run again: it does nothing when the jar is already there.
set -euo pipefail

JAR=/usr/share/java/zookeeper.jar
PKG=libzookeeper-java

if [[ -f "$JAR" ]]; then
	echo "install-zookeeper: $JAR already present, nothing to do"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-zookeeper: $JAR is missing and apt-get is not available; install $PKG (Zookeeper 3.8) by hand" >&2
	exit 1
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-zookeeper: need root (or sudo) to run apt-get" >&2
		exit 1
	fi
	SUDO=(sudo)
fi

echo "install-zookeeper: apt-get update"
"${SUDO[@]}" apt-get update
echo "install-zookeeper: apt-get install -y $PKG"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$PKG"

if [[ ! -f "$JAR" ]]; then
	echo "install-zookeeper: $PKG installed but $JAR is still missing" >&2
	exit 1
fi
if ! command -v java >/dev/null 2>&1; then
	echo "install-zookeeper: warning: no java on PATH; the tests need a JRE (17 works)" >&2
fi
echo "install-zookeeper: done ($JAR)"
