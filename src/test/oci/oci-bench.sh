#!/usr/bin/env bash
# Runs dev.hako.bench.OciCliBenchmark from target/benchmarks.jar (./mvnw -Pjmh -DskipTests
# package) in the private mount namespace it needs: oci-bench.sh [JMH OPTIONS...]
#
# There the hybrid layout's cgroup2 mount is hidden (crun refuses it; runc and hako run in
# the same view, so the figures compare), and podman's hard-wired host paths are bind-mounted
# from a temp dir, as in podman-accept.sh. JAVA names a JDK 22+'s java (default Temurin 25's),
# JAR the benchmarks jar; -Dhako.launcher=PATH among the options names hako's launcher when
# it is not target/hako. Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ "$(id -u)" -eq 0 ] || bail "needs root"
enter_private_namespace HAKO_OCI_BENCH_PRIVATE "$0" "$@"
java=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
jar=${JAR:-$here/../../../target/benchmarks.jar}
[ -f "$jar" ] || bail "no $jar: ./mvnw -Pjmh -DskipTests package"

work=$(mktemp -d /tmp/hako-oci-bench-ns-XXXXXX)
cleanup() {
    release_private_dirs
    remove_tree "$work"
}
trap cleanup EXIT
# A signal ends the run through exit, so that the EXIT trap cleans up (bash runs no EXIT
# trap for a signal it does not handle).
trap 'exit 130' INT TERM HUP
hide_cgroup2
private_dir /run/containers/networks "$work/run-networks"
private_dir /var/lib/containers/cache "$work/image-cache"

# JVM options (-D..., -X...) go before -jar, the rest to JMH.
jvm_opts=()
jmh_opts=()
for a in "$@"; do
    case $a in
        -D*|-XX:*) jvm_opts+=("$a") ;;
        *) jmh_opts+=("$a") ;;
    esac
done

"$java" --enable-native-access=ALL-UNNAMED "${jvm_opts[@]}" -jar "$jar" OciCliBenchmark "${jmh_opts[@]}"
