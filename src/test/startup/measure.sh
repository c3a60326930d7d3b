#!/bin/sh
# Whole-process start-up of the hako command: fork, exec, JVM start, the work, exit.
#
#   ./mvnw -o package -DskipTests && sh src/test/startup/measure.sh [RUNS]
#
# For each command line (--version, features, state of a container that does not exist),
# RUNS rounds; each round runs every variant once, in turn, so that the load of a shared
# machine falls on all of them alike. Prints the median and the fastest run in ms of wall
# time, and the mean CPU time (user + system of the JVM's threads all together), which a
# loaded machine disturbs less.
# Variants: the launcher as shipped (archive + flags), the launcher without the archive,
# plain `java -cp hako-cli.jar` (only the JDK's own CDS), and the archive with the
# launcher's flags each left out once, to see what each flag is worth.
set -eu
runs=${1:-50}
target=$(cd "$(dirname -- "$0")/../../../target" && pwd -P)
jdk=${HAKO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/root"
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xms8m -Xmx256m"
quiet="-Xlog:disable -Xlog:all=warning,aot*=off,cds*=off:stderr"
java="$jdk/bin/java --enable-native-access=ALL-UNNAMED"
main="-cp $target/hako-cli.jar dev.hako.cli.Main"

# One variant per line: label|command (split on spaces; no variant needs quoting).
{
    echo "launcher: archive + flags|$target/hako"
    echo "launcher, HAKO_ARCHIVE=off: flags only|env HAKO_ARCHIVE=off $target/hako"
    echo "java -cp hako-cli.jar: JDK defaults|$java $main"
    echo "java + archive, no other flag|$java -XX:AOTCache=$target/hako-cli.aot $quiet $main"
    for leave in -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k "-Xms8m -Xmx256m"; do
        rest=$(echo " $flags " | sed "s| $leave | |")
        echo "archive + flags but $leave|$java -XX:AOTCache=$target/hako-cli.aot $quiet $rest $main"
    done
} > "$work/variants"

echo "hako start-up: ms per whole process, median (fastest) wall and mean CPU of $runs runs; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$("$jdk/bin/java" -version 2>&1 | head -n 1)"
for args in "--version" "features" "--root $work/root state nonexistent"; do
    : > "$work/times"
    round=0
    while [ "$round" -lt "$runs" ]; do
        v=0
        while IFS='|' read -r label command; do
            start=$(date +%s%N)
            # The subshell's `times`: its children's user and system CPU, the JVM's threads' all together.
            # shellcheck disable=SC2086
            cpu=$( ($command $args >/dev/null 2>&1 < /dev/null || true; times) | tail -n 1)
            end=$(date +%s%N)
            echo "$v $(( (end - start) / 1000 )) $cpu" >> "$work/times"
            v=$((v + 1))
        done < "$work/variants"
        round=$((round + 1))
    done
    echo
    echo "hako $args"
    v=0
    while IFS='|' read -r label command; do
        stats=$(awk -v v="$v" '$1 == v { print $2, $3, $4 }' "$work/times" | sort -n | awk '
            function seconds(t,  m) { m = index(t, "m"); return substr(t, 1, m - 1) * 60 + substr(t, m + 1) + 0 }
            { t[NR] = $1; cpu += seconds($2) + seconds($3) }
            END { printf "%7.1f (%5.1f)   cpu %6.1f", t[int((NR + 1) / 2)] / 1000, t[1] / 1000, cpu * 1000 / NR }')
        printf '  %-48s %s\n' "$label" "$stats"
        v=$((v + 1))
    done < "$work/variants"
done
