#!/usr/bin/env bash
# Builds the Apache Dubbo for Java peer of the interop tests
# (integrate_test/java: Dubbo 3.3.5 from Maven Central, stubs generated
# from samples/proto/greeter.proto by Dubbo's protoc plugin) into
# <build>/java: streamx-java-peer.jar and its dependencies in lib/.
# Safe to run again: it does nothing when the jar was built from the same
# sources (a stamp holds their hash). Maven keeps its downloads in ~/.m2.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${STREAMX_BUILD_DIR:-$repo/build}"
out="$build/java"
src="$repo/integrate_test/java"
proto="$repo/samples/proto/greeter.proto"

die() { echo "install-java-peer: error: $*" >&2; exit 1; }
say() { echo "install-java-peer: $*"; }

command -v java >/dev/null || die "java not found (JDK 17 or newer; on Debian: apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null || die "mvn not found (on Debian: apt-get install maven)"
for tool in unshare ip; do
	command -v "$tool" >/dev/null || die "$tool not found: the tests run the Java peer in a loopback-only network namespace (util-linux, iproute2)"
done

# The stamp is the hash of everything the build reads from the repository.
want="$(cd "$repo" && find integrate_test/java -path integrate_test/java/target -prune -o -type f -print | LC_ALL=C sort |
	xargs sha256sum "$proto" | sha256sum | cut -d' ' -f1)"
stamp="$out/.streamx-sources"
if [[ -f "$out/streamx-java-peer.jar" && -d "$out/lib" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
	say "reusing $out/streamx-java-peer.jar"
	exit 0
fi

say "building $out with Maven (the first build downloads Dubbo and its dependencies: about 110 MB)"
start=$SECONDS
rm -rf "$out"
mkdir -p "$build"
mvn -B -ntp -q -Dstyle.color=never -f "$src/pom.xml" -Dstreamx.out="$out" -DskipTests package \
	|| die "mvn package failed (is Maven Central reachable?); run it again to see the whole log: mvn -f $src/pom.xml -Dstreamx.out=$out package"
[[ -f "$out/streamx-java-peer.jar" ]] || die "mvn package succeeded but $out/streamx-java-peer.jar is missing"
echo "$want" >"$stamp"
say "done in $((SECONDS - start)) s: $out/streamx-java-peer.jar"
