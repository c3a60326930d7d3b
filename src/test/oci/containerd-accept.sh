#!/usr/bin/env bash
# Acceptance of an OCI runtime through real containerd and ctr:
# containerd-accept.sh [--legacy-cgroups] RUNTIME
#
# Starts Debian's containerd on a socket, root and state of its own (config written here,
# CRI plugin off: it wants CNI and a pause image, and nothing here uses it), imports an OCI
# image archive of a busybox rootfs it builds (the layout written with tar and sha256sum),
# and drives the runtime through containerd's runc shim with `ctr run --runc-binary RUNTIME`.
# One TAP-like line per check ("ok - name" / "not ok - name: detail"); exits non-zero when
# any failed (2 when the setup did). containerd is stopped and everything removed at the
# end, on failure too. Needs root.
#
# --legacy-cgroups: as in podman-accept.sh (crun refuses this machine's hybrid layout).
# The run happens in a private mount namespace, so the snapshotter's and the runtime's
# mounts go away with it even when a step failed to undo its own.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
args=("$@")

legacy_cgroups=0
if [ "${1:-}" = --legacy-cgroups ]; then
    legacy_cgroups=1
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--legacy-cgroups] RUNTIME" >&2
    exit 2
fi
runtime=$1
[ "$(id -u)" -eq 0 ] || bail "needs root (containerd with a given OCI runtime)"
case $runtime in
    */runc | */crun) [ -x "$runtime" ] || need "${runtime##*/}" "${runtime##*/}" ;; # the reference runtimes
esac
[ -x "$runtime" ] || bail "runtime $runtime is not an executable file"
runtime=$(readlink -f "$runtime")
for tool in containerd ctr containerd-shim-runc-v2; do
    need "$tool" containerd
done

enter_private_namespace HAKO_ACCEPT_PRIVATE_NS "$0" "${args[@]}"

work=$(mktemp -d /tmp/hako-containerd-accept-XXXXXX)
# The containerd namespace is also the containers' cgroup parent (ctr's default path is
# /NAMESPACE/ID), so it names this run alone.
namespace=hako-accept-$(basename "$work" | tr -cd 'a-zA-Z0-9-')
socket="$work/containerd.sock"
containerd_pid=
cleanup() {
    if [ -n "$containerd_pid" ]; then
        local id
        for id in $(c task ls -q 2>/dev/null); do
            c task kill -s SIGKILL "$id" >/dev/null 2>&1
        done
        sleep 0.2
        for id in $(c task ls -q 2>/dev/null); do
            c task delete -f "$id" >/dev/null 2>&1
        done
        for id in $(c containers ls -q 2>/dev/null); do
            c containers rm "$id" >/dev/null 2>&1
        done
        kill -TERM "$containerd_pid" 2>/dev/null
        local i
        for i in $(seq 50); do
            kill -0 "$containerd_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$containerd_pid" 2>/dev/null
        wait "$containerd_pid" 2>/dev/null
    fi
    # The shims name the run's socket on their command line: it is under $work.
    reap_under "$work"
    release_private_dirs
    remove_cgroups "$namespace"
    remove_tree "$work"
}
trap cleanup EXIT
# A signal ends the run through exit, so that the EXIT trap cleans up (bash runs no EXIT
# trap for a signal it does not handle).
trap 'exit 130' INT TERM HUP

[ $legacy_cgroups -eq 1 ] && hide_cgroup2

# The shims' sockets go to /run/containerd/s whatever the config says.
private_dir /run/containerd "$work/run-containerd"

# Every path containerd would otherwise take from its defaults (/var/lib/containerd,
# /run/containerd, /opt/containerd) is set; the debug and metrics endpoints are off.
cat >"$work/config.toml" <<CONF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
                    "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$socket"

[ttrpc]
  address = "$work/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$work/opt"
CONF

containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
containerd_pid=$!
c() {
    ctr --address "$socket" --namespace "$namespace" "$@"
}
ready=0
for i in $(seq 100); do
    if c version >/dev/null 2>&1; then
        ready=1
        break
    fi
    kill -0 "$containerd_pid" 2>/dev/null || break
    sleep 0.1
done
[ $ready -eq 1 ] || bail "containerd did not come up: $(tail -5 "$work/containerd.log" | tr '\n' ' ')"
echo "# runtime $runtime, $(containerd --version | awk '{print $1, $3}'), work dir $work"

# --- an OCI image archive of the busybox rootfs, written by hand ---------------------------
sha() {
    sha256sum "$1" | awk '{print $1}'
}
# blob FILE: moves FILE into the layout's blobs under its digest; prints digest and size.
blob() {
    local digest size
    digest=$(sha "$1")
    size=$(stat -c %s "$1")
    mv "$1" "$layout/blobs/sha256/$digest"
    echo "$digest $size"
}
image=docker.io/hako/accept:busybox
layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
build_rootfs "$work/rootfs"
rootfs_tar "$work/rootfs" "$work/layer.tar"
read -r layer_digest layer_size < <(blob "$work/layer.tar")
cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]}}
JSON
read -r config_digest config_size < <(blob "$work/config.json")
cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_digest","size":$layer_size}]}
JSON
read -r manifest_digest manifest_size < <(blob "$work/manifest.json")
cat >"$layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$image","org.opencontainers.image.ref.name":"busybox"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
tar -C "$layout" -cf "$work/image.tar" oci-layout index.json blobs
if ! out=$(c images import --platform linux/amd64 "$work/image.tar" 2>&1); then
    bail "ctr images import: $out"
fi
c images ls -q | grep -qxF "$image" || bail "the imported image is not listed as $image: $(c images ls -q)"

# --- ctr run --rm --------------------------------------------------------------------------
n=0
# run [CTR RUN OPTIONS...] -- COMMAND...: a fresh container, removed after; output and status.
run() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    n=$((n + 1))
    c run --rm --runc-binary "$runtime" --runc-root "$work/runc-root" --fifo-dir "$work/fifo" \
        "${opts[@]}" "$image" "run-$n" "$@" 2>&1
}
check_eq "run: output" "hello" "$(run -- echo hello)"
run -- sh -c 'exit 3' >/dev/null
check_eq "run: exit status passed through" "3" "$?"
check_eq "run --env --cwd" "bar /tmp" "$(run --env FOO=bar --cwd /tmp -- sh -c 'echo $FOO $(pwd)')"
check_match "run --read-only: writing the root fails" "Read-only file system" "$(run --read-only -- touch /file-in-root)"
mkdir -p "$work/data"
echo from-host >"$work/data/in"
# The evidence is in files, not in the output: once, with three runs at a time on two cores,
# ctr returned no output of a task that did run (its write below landed).
out=$(run --mount "type=bind,src=$work/data,dst=/data,options=rbind:rw" -- sh -c 'cat /data/in >/data/copy; echo from-container >/data/out')
check_eq "run --mount bind: reads the host's file" "from-host" "$(cat "$work/data/copy" 2>&1)$out"
check_eq "run --mount bind: the host reads what it wrote" "from-container" "$(cat "$work/data/out" 2>&1)"
check_eq "run: no network but lo (ctr's default netns)" "lo" "$(run -- ls /sys/class/net)"
out=$(run -- /no/such/command)
status=$?
if [ "$status" -ne 0 ] && [[ "$out" == */no/such/command* ]]; then
    ok "run: a missing command fails, naming it"
else
    not_ok "run: a missing command fails, naming it" "status $status: $out"
fi
leftover=$(c containers ls -q 2>&1)
check_eq "run --rm: no container left" "" "$leftover"

# --- detached: exec, ps, metrics, pause/resume, kill, delete ----------------------------------
# start ID [OPTIONS...] -- COMMAND...: ctr run -d, with the container's /out on $work/ID.
start() {
    local id=$1 opts=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    mkdir -p "$work/$id"
    c run -d --runc-binary "$runtime" --runc-root "$work/runc-root" --fifo-dir "$work/fifo" \
        --mount "type=bind,src=$work/$id,dst=/out,options=rbind:rw" "${opts[@]}" "$image" "$id" "$@" \
        >"$work/$id.start" 2>&1
}
task_status() {
    c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}
wait_for() {
    local limit=$(( $1 * 10 ))
    shift
    local i
    for ((i = 0; i < limit; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
is_status() {
    [ "$(task_status "$1")" = "$2" ]
}
count() {
    cat "$work/c1/count" 2>/dev/null
}
advanced_past() {
    [ "$(count)" -gt "$1" ] 2>/dev/null
}

# discard ID: a container whose checks could not run, so that the checks after it start clean.
discard() {
    c task kill -s SIGKILL "$1" >/dev/null 2>&1
    c task delete -f "$1" >/dev/null 2>&1
    c containers rm "$1" >/dev/null 2>&1
}

if start c1 --memory-limit 67108864 -- sh -c 'trap "echo got-term >/out/log; exit 7" TERM; i=0; while :; do i=$((i + 1)); echo $i >/out/count.new; mv /out/count.new /out/count; sleep 0.05; done' \
        && wait_for 20 test -s "$work/c1/count"; then
    ok "run -d: started"
    check_eq "task ls: running" "RUNNING" "$(task_status c1)"
    init_pid=$(c task ls 2>/dev/null | awk '$1 == "c1" { print $2 }')
    # ctr's spec mounts no cgroup file system inside: the limit is read from the host.
    memory=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$init_pid/cgroup" 2>/dev/null)
    check_eq "run --memory-limit: the host's cgroup of the container" "67108864" \
        "$(cat "/sys/fs/cgroup/memory$memory/memory.limit_in_bytes" 2>&1)"
    check_match "task ps: lists the init process" "(^|[^0-9])$init_pid([^0-9]|$)" "$(c task ps c1 2>&1)"
    check_eq "task exec: output" "3" "$(c task exec --fifo-dir "$work/fifo" --exec-id x1 c1 sh -c 'echo $((1 + 2))' 2>&1)"
    c task exec --fifo-dir "$work/fifo" --exec-id x2 c1 sh -c 'exit 5' >/dev/null 2>&1
    check_eq "task exec: exit status passed through" "5" "$?"
    check_eq "task exec --user --cwd" "1000 /tmp" \
        "$(c task exec --fifo-dir "$work/fifo" --exec-id x3 --user 1000 --cwd /tmp c1 sh -c 'echo $(id -u) $(pwd)' 2>&1)"
    metrics=$(c task metrics c1 2>&1)
    echo "$metrics" >"$work/metrics.txt"
    check_match "task metrics: memory usage" "memory.usage_in_bytes +[1-9]" "$metrics"
    check_match "task metrics: the memory limit" "memory.limit_in_bytes +67108864" "$metrics"
    check_match "task metrics: pids" "pids.current +[1-9]" "$metrics"
    c task pause c1 >"$work/pause.log" 2>&1
    check_eq "task pause: status" "PAUSED" "$(task_status c1)"
    first=$(count)
    sleep 1
    check_eq "task pause: the counter stands still" "$first" "$(count)"
    c task resume c1 >"$work/resume.log" 2>&1
    check_eq "task resume: status" "RUNNING" "$(task_status c1)"
    if wait_for 20 advanced_past "$first"; then ok "task resume: the counter goes on"; else not_ok "task resume: the counter goes on" "still $(count) after $first"; fi
    c task kill c1 >"$work/kill.log" 2>&1
    if wait_for 20 is_status c1 STOPPED; then ok "task kill: SIGTERM by default, trapped"; else not_ok "task kill: SIGTERM by default, trapped" "status $(task_status c1): $(cat "$work/kill.log")"; fi
    check_eq "task kill: the trap ran" "got-term" "$(cat "$work/c1/log" 2>&1)"
    out=$(c task delete c1 2>&1)
    echo "$out" >"$work/delete1.log"
    check_match "task delete: reports the exit status 7" "(^|[^0-9])7([^0-9]|$)" "$out"
else
    not_ok "run -d: started" "no counter in the bind-mounted /out after 20 s: $(cat "$work/c1.start")"
    discard c1
fi

if start c2 -- sh -c 'trap "" TERM; echo ready >/out/ready; while :; do sleep 0.2; done' \
        && wait_for 20 test -s "$work/c2/ready"; then
    c task kill -s SIGTERM c2 >/dev/null 2>&1
    sleep 1
    check_eq "task kill -s SIGTERM: ignored, still running" "RUNNING" "$(task_status c2)"
    c task kill -s SIGKILL c2 >"$work/kill2.log" 2>&1
    if wait_for 20 is_status c2 STOPPED; then ok "task kill -s SIGKILL: stopped"; else not_ok "task kill -s SIGKILL: stopped" "status $(task_status c2): $(cat "$work/kill2.log")"; fi
    out=$(c task delete c2 2>&1)
    check_match "task delete: reports the exit status 137" "137" "$out"
else
    not_ok "task kill: a process that ignores TERM" "no ready file in the bind-mounted /out after 20 s: $(cat "$work/c2.start")"
    discard c2
fi

if start c3 -- sleep 1000; then
    out=$(c task delete c3 2>&1)
    if [ $? -ne 0 ]; then ok "task delete: refuses a running task"; else not_ok "task delete: refuses a running task" "$out"; fi
    c task delete -f c3 >"$work/delete3.log" 2>&1
    check_eq "task delete -f: a running task is gone" "" "$(task_status c3)"
else
    not_ok "task delete -f" "did not start: $(cat "$work/c3.start")"
    discard c3
fi
for id in c1 c2 c3; do
    c containers rm "$id" >>"$work/rm.log" 2>&1
done
check_eq "containers rm: none left" "" "$(c containers ls -q 2>&1)"
check_eq "containers rm: no snapshot left" "" "$(c snapshots ls 2>/dev/null | awk 'NR > 1 && $3 == "Active"')"
check_eq "runc root: no state left" "" "$(find "$work/runc-root" -mindepth 2 -maxdepth 2 2>/dev/null)"

finish
