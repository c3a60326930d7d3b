#!/usr/bin/env bash
# Acceptance of an OCI runtime through real podman: podman-accept.sh [--legacy-cgroups] RUNTIME
#
# Builds a busybox image of its own, imports it into a podman that is private to this run
# (own storage, run root, containers.conf, locks, events log, all under one temp dir), runs
# each check with `podman --runtime RUNTIME` and prints one TAP-like line per check:
# "ok - name" or "not ok - name: detail". Exits non-zero when any check failed (2 when the
# setup itself did). Needs root.
#
# --legacy-cgroups hides the hybrid layout's cgroup2 mount (/sys/fs/cgroup/unified) from
# this run: crun refuses a hybrid layout whose v2 side still holds a controller (hugetlb on
# these machines), runc and a runc-compatible runtime do not need it.
#
# The whole run happens in a private mount namespace: podman writes a few paths it takes
# from no configuration (/run/containers/networks, /var/lib/containers/cache), which are
# bind-mounted from the temp dir there, and every mount podman or the runtime leaves behind
# disappears with the namespace.
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
[ "$(id -u)" -eq 0 ] || bail "needs root (podman as root with a given OCI runtime)"
case $runtime in
    */runc | */crun) [ -x "$runtime" ] || need "${runtime##*/}" "${runtime##*/}" ;; # the reference runtimes
esac
[ -x "$runtime" ] || bail "runtime $runtime is not an executable file"
runtime=$(readlink -f "$runtime")
need podman podman

enter_private_namespace HAKO_ACCEPT_PRIVATE_NS "$0" "${args[@]}"

work=$(mktemp -d /tmp/hako-podman-accept-XXXXXX)
podman_private=0
cleanup() {
    # Containers first (their conmon processes and mounts), then the private podman's files;
    # podman only once its environment names the private configuration, never the host's.
    if [ $podman_private -eq 1 ]; then
        podman rm -a -f -t 0 >/dev/null 2>&1
        podman image rm -a -f >/dev/null 2>&1
    fi
    reap_under "$work"
    release_private_dirs
    # The cgroup parent of this run's containers (podman leaves it, and conmon's cgroup in
    # it), in every v1 hierarchy and the v2 one; children first.
    remove_cgroups "$cgroup_parent"
    remove_tree "$work"
}
cgroup_parent=hako-accept-$(basename "$work")
trap cleanup EXIT
# A signal ends the run through exit, so that the EXIT trap cleans up (bash runs no EXIT
# trap for a signal it does not handle).
trap 'exit 130' INT TERM HUP

[ $legacy_cgroups -eq 1 ] && hide_cgroup2

mkdir -p "$work"/{t,tmp,data,pause}
private_dir /run/containers/networks "$work/run-networks"
private_dir /var/lib/containers/cache "$work/image-cache"

# Root here lacks CAP_SYS_RESOURCE, so the runtime cannot raise a hard limit above its own:
# podman's defaults as root (nofile and nproc at 1048576 and more) would fail setrlimit in
# every runtime. The limits below are under what the machine gives root.
#
# conmon's sockets and podman's exit files go under tmp_dir, as tmp_dir/socket/<64-hex id>/attach
# and the like: with a long tmp_dir (about 50 characters) every podman run waits 20 s for a
# container exit it never sees. Keep it short.
cat >"$work/containers.conf" <<CONF
[containers]
log_driver = "k8s-file"
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
tmp_dir = "$work/t"
lock_type = "file"
volume_path = "$work/volumes"
static_dir = "$work/storage/libpod"
image_copy_tmp_dir = "$work/t"

[network]
network_config_dir = "$work/networks"
CONF
cat >"$work/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$work/storage"
runroot = "$work/runroot"
CONF
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$work/registries.conf"
: >"$work/registries.conf"
export TMPDIR="$work/tmp"
podman_private=1

image=localhost/hako-accept:busybox
build_rootfs "$work/rootfs"
rootfs_tar "$work/rootfs" "$work/rootfs.tar"
podman import "$work/rootfs.tar" "$image" >"$work/import.log" 2>&1 || bail "podman import: $(tail -3 "$work/import.log")"
echo "# runtime $runtime, podman $(podman --version | awk '{print $3}'), work dir $work"

pm() {
    podman --runtime "$runtime" "$@"
}
# run [OPTIONS...] -- COMMAND...: podman run --rm of the image; stdout and stderr together.
run() {
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    pm run --rm --cgroup-parent="$cgroup_parent" "${opts[@]}" "$image" "$@" 2>&1
}
# start NAME [OPTIONS...] -- COMMAND...: podman run -d.
start() {
    local name=$1 opts=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    pm run -d --name "$name" --cgroup-parent="$cgroup_parent" "${opts[@]}" "$image" "$@" >"$work/$name.id" 2>&1
}
state() {
    pm inspect -f '{{.State.Status}}' "$1" 2>&1
}
exit_code() {
    pm inspect -f '{{.State.ExitCode}}' "$1" 2>&1
}
# wait_for SECONDS COMMAND...: polls until the command succeeds; a guard against hangs only.
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
logs_contain() {
    pm logs "$1" 2>&1 | grep -q -- "$2"
}

# --- podman run --rm ---------------------------------------------------------------------
check_eq "run: output" "hello" "$(run -- echo hello)"
check_eq "run -e: environment" "bar" "$(run -e FOO=bar -- sh -c 'echo $FOO')"
check_eq "run -w: working directory" "/tmp" "$(run -w /tmp -- pwd)"
check_eq "run -u 1000:1000: ids" "uid=1000(user) gid=1000(user) groups=1000(user)" "$(run -u 1000:1000 -- id)"
check_eq "run -m 64m: memory.limit_in_bytes inside" "67108864" \
    "$(run -m 64m -- cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
check_eq "run --pids-limit 50: pids.max inside" "50" "$(run --pids-limit 50 -- cat /sys/fs/cgroup/pids/pids.max)"
out=$(run --read-only -- sh -c 'touch /file-in-root && echo written; echo status $?')
check_match "run --read-only: writing the root fails" "Read-only file system" "$out"
check_eq "run --read-only: /tmp stays writable (podman's tmpfs)" "ok" "$(run --read-only -- sh -c 'touch /tmp/x && echo ok')"
echo from-host >"$work/data/in"
out=$(run -v "$work/data:/data" -- sh -c 'cat /data/in && echo from-container >/data/out')
check_eq "run -v: reads the host's file" "from-host" "$out"
check_eq "run -v: the host reads what it wrote" "from-container" "$(cat "$work/data/out" 2>&1)"
check_eq "run --network=none: only lo" "lo" "$(run --network=none -- ls /sys/class/net)"
run -- sh -c 'exit 3' >/dev/null
check_eq "run: exit status passed through" "3" "$?"
out=$(run -- /no/such/command)
status=$?
check_eq "run: missing command exits 127" "127" "$status"
out=$(run -- /bin/not-executable)
status=$?
check_eq "run: not executable exits 126" "126" "$status"

# --- detached: exec, logs, limits seen from the host -------------------------------------
if start c-exec -m 64m --pids-limit 50 -- sh -c 'echo ready; while :; do sleep 0.2; done' \
        && wait_for 20 logs_contain c-exec ready; then
    ok "run -d: started and logging"
    check_eq "exec: output" "3" "$(pm exec c-exec sh -c 'echo $((1 + 2))' 2>&1)"
    pm exec c-exec sh -c 'exit 5' >/dev/null 2>&1
    check_eq "exec: exit status passed through" "5" "$?"
    check_eq "exec -u 1000 -e -w" "1000 baz /tmp" "$(pm exec -u 1000 -e BAZ=baz -w /tmp c-exec sh -c 'echo $(id -u) $BAZ $(pwd)' 2>&1)"
    check_eq "logs" "ready" "$(pm logs c-exec 2>&1)"
    pid=$(pm inspect -f '{{.State.Pid}}' c-exec 2>&1)
    memory=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$pid/cgroup" 2>/dev/null)
    pids=$(awk -F: '$2 == "pids" { print $3 }' "/proc/$pid/cgroup" 2>/dev/null)
    check_eq "run -m 64m: the host's cgroup of the container" "67108864" \
        "$(cat "/sys/fs/cgroup/memory$memory/memory.limit_in_bytes" 2>&1)"
    check_eq "run --pids-limit 50: the host's cgroup of the container" "50" \
        "$(cat "/sys/fs/cgroup/pids$pids/pids.max" 2>&1)"
    check_match "ps: the container listed" "c-exec" "$(pm ps --format '{{.Names}} {{.Status}}' 2>&1)"
else
    not_ok "run -d: started and logging" "$(cat "$work/c-exec.id") $(pm logs c-exec 2>&1)"
fi

# --- stop, kill ---------------------------------------------------------------------------
# A shell as pid 1 gets no default action for TERM: only its trap ends it.
if start c-term -- sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.2; done' \
        && wait_for 20 logs_contain c-term ready; then
    before=$SECONDS
    out=$(pm stop -t 30 c-term 2>&1)
    took=$((SECONDS - before))
    check_eq "stop: a process that traps TERM exits with its own status" "exited 7" "$(state c-term) $(exit_code c-term)"
    check_match "stop: it ran its trap" "got-term" "$(pm logs c-term 2>&1)"
    if [ "$took" -lt 30 ]; then ok "stop: TERM ended it before the timeout"; else not_ok "stop: TERM ended it before the timeout" "took ${took}s: $out"; fi
else
    not_ok "stop: a process that traps TERM" "no ready line in its logs after 20 s: $(cat "$work/c-term.id")"
fi
if start c-ignore -- sh -c 'trap "" TERM; echo ready; while :; do sleep 0.2; done' \
        && wait_for 20 logs_contain c-ignore ready; then
    before=$SECONDS
    out=$(pm stop -t 2 c-ignore 2>&1)
    took=$((SECONDS - before))
    check_eq "stop: a process that ignores TERM is killed after the timeout" "exited 137" "$(state c-ignore) $(exit_code c-ignore)"
    if [ "$took" -ge 2 ]; then ok "stop: waited for the timeout first"; else not_ok "stop: waited for the timeout first" "took ${took}s: $out"; fi
else
    not_ok "stop: a process that ignores TERM" "no ready line in its logs after 20 s: $(cat "$work/c-ignore.id")"
fi
if start c-kill -- sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.2; done' \
        && wait_for 20 logs_contain c-kill ready; then
    pm kill -s USR1 c-kill >/dev/null 2>&1
    if wait_for 20 logs_contain c-kill got-usr1; then ok "kill -s USR1: delivered"; else not_ok "kill -s USR1: delivered" "$(pm logs c-kill 2>&1)"; fi
    check_eq "kill -s USR1: still running" "running" "$(state c-kill)"
    pm kill c-kill >/dev/null 2>&1
    wait_for 20 sh -c "[ \"\$(podman --runtime '$runtime' inspect -f '{{.State.Status}}' c-kill)\" = exited ]"
    check_eq "kill: KILL by default" "exited 137" "$(state c-kill) $(exit_code c-kill)"
else
    not_ok "kill" "no ready line in its logs after 20 s: $(cat "$work/c-kill.id")"
fi

# --- pause, unpause -----------------------------------------------------------------------
count() {
    cat "$work/pause/count" 2>/dev/null
}
if start c-pause -v "$work/pause:/p" -- sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/p/count.new; mv /p/count.new /p/count; sleep 0.05; done' \
        && wait_for 20 test -s "$work/pause/count"; then
    pm pause c-pause >"$work/pause.log" 2>&1
    check_eq "pause: state" "paused" "$(state c-pause)"
    first=$(count)
    sleep 1
    check_eq "pause: the counter stands still" "$first" "$(count)"
    pm unpause c-pause >"$work/unpause.log" 2>&1
    check_eq "unpause: state" "running" "$(state c-pause)"
    if wait_for 20 sh -c "[ \"\$(cat '$work/pause/count')\" -gt '$first' ]"; then
        ok "unpause: the counter goes on"
    else
        not_ok "unpause: the counter goes on" "still $(count) after $first: $(cat "$work/unpause.log")"
    fi
else
    not_ok "pause" "no counter in the -v mounted /p after 20 s: $(cat "$work/c-pause.id") $(pm logs c-pause 2>&1)"
fi

# --- a terminal ---------------------------------------------------------------------------
# script(1) gives podman a pty as its stdin and stdout, as a user's terminal would; the
# input is typed only once the container has answered, and the writer stays until it echoes.
tty_out="$work/tty.out"
{
    wait_for 30 grep -q /dev/pts "$tty_out" 2>/dev/null
    printf 'typed-in\r'
    wait_for 30 grep -q got:typed-in "$tty_out"
} | script -qfec "podman --runtime '$runtime' run --rm -it --cgroup-parent='$cgroup_parent' $image sh -c 'tty; read line; echo got:\$line'" "$tty_out" >/dev/null 2>&1
out=$(tr -d '\r' <"$tty_out" | grep -v '^Script ')
check_line "run -it: tty is /dev/pts/0" "/dev/pts/0" "$out"
check_match "run -it: input reaches the container" "got:typed-in" "$out"

# --- rm -f --------------------------------------------------------------------------------
if start c-rm -- sleep 1000; then
    pid=$(pm inspect -f '{{.State.Pid}}' c-rm 2>&1)
    pm rm -f -t 0 c-rm >"$work/rm.log" 2>&1
    check_eq "rm -f: a running container is gone" "" "$(pm ps -a --filter name=c-rm --format '{{.Names}}' 2>&1)"
    if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -e "/proc/$pid" ]; then
        not_ok "rm -f: its process is gone" "pid $pid still there"
    else
        ok "rm -f: its process is gone"
    fi
else
    not_ok "rm -f" "did not start: $(cat "$work/c-rm.id")"
fi

finish
