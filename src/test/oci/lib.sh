# Shared by the acceptance scripts: TAP-like reporting, the busybox rootfs they build for
# themselves, and the teardown of everything left under a private temp dir. Sourced, not run.

failures=0
checks=0

ok() {
    checks=$((checks + 1))
    echo "ok - $1"
}

not_ok() {
    checks=$((checks + 1))
    failures=$((failures + 1))
    # One line per check, so that a reader (the ITs) can show each failure: newlines in the
    # detail (command output) are folded.
    local detail
    detail=$(printf '%s' "$2" | tr '\n' ' ' | cut -c1-600)
    echo "not ok - $1: $detail"
}

# check NAME EXPECTED ACTUAL: passes when they are equal.
check_eq() {
    if [ "$2" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected [$2], got [$3]"
    fi
}

# check_match NAME REGEX ACTUAL
check_match() {
    if [[ "$3" =~ $2 ]]; then
        ok "$1"
    else
        not_ok "$1" "expected to match /$2/, got [$3]"
    fi
}

# Ends the script: a summary line and a status that says whether every check passed.
finish() {
    echo "# $checks checks, $failures failed, ${SECONDS}s"
    [ "$failures" -eq 0 ]
}

# bail REASON: the script cannot go on (setup failed); TAP's way of saying so.
bail() {
    echo "Bail out! $1"
    exit 2
}

# need COMMAND PACKAGE: installs Debian's PACKAGE (apt-get, as root) when COMMAND is missing,
# so that the ITs run on a machine that has only what the README's install line gives.
need() {
    command -v "$1" >/dev/null && return 0
    [ "$(id -u)" -eq 0 ] || bail "no $1: apt-get install $2"
    echo "# $1 is missing: apt-get install $2"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 \
            || { DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 \
                 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1; }; }; then
        bail "no $1, and apt-get install $2 failed"
    fi
    command -v "$1" >/dev/null || bail "apt-get install $2 gave no $1"
}

# build_rootfs DIR: a static busybox with a link per applet, and users root and 1000.
build_rootfs() {
    local root=$1 busybox
    busybox=$(command -v busybox || true)
    [ -n "$busybox" ] || bail "no busybox: apt-get install busybox-static"
    # A dynamic busybox would need the host's libraries inside: only the static one will do.
    if ! file_is_static "$busybox"; then
        bail "$busybox is not statically linked: apt-get install busybox-static"
    fi
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home/user,data}
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
    cp "$busybox" "$root/bin/busybox"
    local applet
    for applet in $("$root/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
    cat >"$root/etc/group" <<'G'
root:x:0:
user:x:1000:
nobody:x:65534:
G
    chown 1000:1000 "$root/home/user"
    # Not executable, for the 126 check.
    printf '#!/bin/sh\necho never\n' >"$root/bin/not-executable"
    chmod 644 "$root/bin/not-executable"
}

file_is_static() {
    # The ELF program headers of a static binary have no PT_INTERP; readelf may be missing
    # (binutils), so ask the file itself: a dynamic one names its loader in the first page.
    ! head -c 4096 "$1" | grep -q -a 'ld-linux'
}

# rootfs_tar DIR TARBALL: the rootfs as a tar with numeric owners, root's.
rootfs_tar() {
    tar --numeric-owner -C "$1" -cf "$2" .
}

# unmount_under DIR: every mount at or below DIR, deepest first, so that the directory can
# be removed without reaching into a mounted file system.
unmount_under() {
    local dir point
    dir=$(readlink -f "$1")
    [ -n "$dir" ] && [ "$dir" != / ] || return 0
    local tries
    for tries in 1 2 3; do
        local points=()
        while read -r point; do
            points+=("$point")
        done < <(awk -v d="$dir" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' /proc/self/mountinfo | sort -r)
        [ ${#points[@]} -eq 0 ] && return 0
        for point in "${points[@]}"; do
            umount -R "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || true
        done
    done
}

# remove_tree DIR: unmounts what is below, then deletes; refuses when mounts remain.
remove_tree() {
    local dir=$1
    [ -d "$dir" ] || return 0
    unmount_under "$dir"
    if awk -v d="$(readlink -f "$dir")" '{ if ($5 == d || index($5, d "/") == 1) found = 1 } END { exit !found }' /proc/self/mountinfo; then
        echo "# not removing $dir: something is still mounted below it" >&2
        return 1
    fi
    rm -rf --one-file-system "$dir"
}

# check_line NAME LINE TEXT: passes when TEXT has LINE as one of its lines.
check_line() {
    if grep -qxF -- "$2" <<<"$3"; then
        ok "$1"
    else
        not_ok "$1" "expected a line [$2], got [$3]"
    fi
}

# remove_cgroups NAME: the cgroup /NAME and what is below it, in every hierarchy (empty ones
# only: rmdir refuses a cgroup that still has a process).
remove_cgroups() {
    local name=$1 c
    [ -n "$name" ] || return 0
    for c in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
        [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    return 0
}

# pids_naming DIR: processes whose command line names DIR (this run's conmon and shims:
# the run's temp dir is unique to it), other than this shell.
pids_naming() {
    local f pid
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        [ "$pid" = $$ ] && continue
        [ "$pid" = "$BASHPID" ] && continue
        if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$1"; then
            echo "$pid"
        fi
    done
}

# reap_under DIR: waits a while for this run's helpers to exit by themselves (conmon
# lingers a moment after podman rm), then kills what is left, by pid.
reap_under() {
    local i left
    for i in $(seq 50); do
        left=$(pids_naming "$1")
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    echo "# killing what this run left running: $(echo $left)" >&2
    kill -KILL $left 2>/dev/null
    sleep 0.2
}

# Mount points this run had to create on the host (removed again by release_private_dirs).
created_dirs=()

# private_dir PATH SOURCE: bind-mounts SOURCE over PATH in this run's private mount namespace,
# for a tool that writes PATH whatever its configuration says; PATH is created (and later
# removed) when the host has none.
private_dir() {
    local path=$1 source=$2 missing=() d=$1
    while [ ! -d "$d" ]; do
        missing=("$d" "${missing[@]}")
        d=$(dirname "$d")
    done
    for d in "${missing[@]}"; do
        mkdir "$d" || bail "cannot create mount point $d"
        created_dirs=("$d" "${created_dirs[@]}")
    done
    mkdir -p "$source"
    mount --bind "$source" "$path" || bail "cannot bind-mount $source on $path"
    private_mounts=("$path" "${private_mounts[@]}")
}
private_mounts=()

release_private_dirs() {
    local d
    for d in "${private_mounts[@]}"; do
        umount "$d" 2>/dev/null
    done
    for d in "${created_dirs[@]}"; do
        rmdir "$d" 2>/dev/null
    done
}

# hide_cgroup2: for --legacy-cgroups. Takes the hybrid layout's cgroup2 mount away from this
# run's private mount namespace, and puts an empty tmpfs in its place: crun, seeing no
# cgroup2 there, goes by the v1 controllers alone, and what it writes below that path (it
# does write cgroup.procs files there) lands in the throwaway tmpfs rather than in the
# host's /sys/fs/cgroup tmpfs under the host's cgroup2 mount.
hide_cgroup2() {
    if mountpoint -q /sys/fs/cgroup/unified; then
        umount /sys/fs/cgroup/unified || bail "cannot hide /sys/fs/cgroup/unified"
        mount -t tmpfs -o size=1m,mode=755 hako-no-cgroup2 /sys/fs/cgroup/unified \
            || bail "cannot put a tmpfs on /sys/fs/cgroup/unified"
    fi
}

# enter_private_namespace VAR SCRIPT ARGS...: re-runs SCRIPT in a private mount namespace
# (VAR set to 1 there, so that it happens once) under catatonit as a child subreaper: conmon
# and containerd's shims daemonize, and their orphans go to the nearest subreaper, PID 1 on
# these machines, which reaps them seconds late (zombie monitors were seen lingering after
# runs); catatonit reaps them as they exit, so a run leaves none behind.
enter_private_namespace() {
    local var=$1
    shift
    if [ -z "${!var:-}" ]; then
        need catatonit catatonit # the subreaper these runs need
        export "$var"=1
        exec unshare --mount --propagation private catatonit -- "$@"
    fi
}
