package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.clone_args;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;
import dev.hako.program.Trampoline;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Gives files to the ids of a plain user's default user namespace: what lets a rootless
 * image import keep the image's owners, as rootless podman's store does.
 *
 * <p>A user may not chown a file to another id; but root of a user namespace whose map the
 * user was granted ({@code /etc/subuid}, {@code /etc/subgid}, through newuidmap/newgidmap)
 * may chown to any id mapped there. So the changes run in a child, cloned by the trampoline
 * into a new user namespace that gets {@link RootlessMapping#defaultNamespace()} (the map a
 * rootless container gets by default), which runs one {@code fchownat(...,
 * AT_SYMLINK_NOFOLLOW)} per file, then a {@code fchmodat} where the kernel's chown cleared a
 * setuid or setgid bit the file must keep. A file owned by container id N inside is then
 * owned on the host by the user for N = 0, and by the N-th subordinate id otherwise, and a
 * container with the default map sees the image's own owners.
 *
 * <p>The child never runs Java: its program closes every descriptor but the sync pipe,
 * waits there until the maps are written, opens the tree's root, then for each directory
 * holding changed entries opens it with {@code openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)}
 * and changes the entries by name: a path that passes a symbolic link or leaves the tree
 * fails instead of leading elsewhere, although the caller made the tree and checked every
 * entry. A change that fails stops the child, and the failure names the file and the ids.
 * {@link #restore} gives the same files back to the user (id 0 inside), which a user must
 * do before it can delete a directory owned by another id.
 */
public final class MappedChown {
    /**
     * A file's new owner inside the namespace, and its mode to set again after the chown
     * (-1: none); {@code path} is relative to the tree's root, "" for the root itself.
     */
    public record Change(String path, long uid, long gid, int modeAfter) {
        public Change {
            Objects.requireNonNull(path, "path");
            if (!path.isEmpty() && (path.startsWith("/") || path.endsWith("/")
                    || List.of(path.split("/", -1)).stream().anyMatch(c -> c.isEmpty() || c.equals(".") || c.equals("..")))) {
                throw new IllegalArgumentException("a change needs a path relative to the tree, without '.', '..' or"
                        + " empty components: '" + path + "'");
            }
        }

        String parent() {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? "" : path.substring(0, slash);
        }

        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /** At most this many files per child, so that a program stays a few hundred KiB. */
    static final int BATCH = 2048;
    /** At most this many entries per opened directory, so that a missing one skips at most 255 steps. */
    static final int PER_DIRECTORY = 80;
    private static final int FAILED = 121;
    private static final long STACK_SIZE = 64 * 1024;

    private final UserNamespace namespace;
    private final IdMapWriter writer;

    MappedChown(UserNamespace namespace, IdMapWriter writer) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /**
     * For this JVM's user: present only when it is not root, has subordinate uids and gids,
     * and newuidmap and newgidmap are installed (without them its containers map only its
     * own id, and files owned by the user are what those see as root's).
     */
    public static Optional<MappedChown> forCurrentUser() throws IOException {
        RootlessMapping mapping = RootlessMapping.forCurrentUser();
        if (mapping.user().isRoot() || mapping.subuids().isEmpty() || mapping.subgids().isEmpty()) {
            return Optional.empty();
        }
        IdMapWriter writer = IdMapWriter.system();
        if (writer.findHelper("newuidmap").isEmpty() || writer.findHelper("newgidmap").isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new MappedChown(mapping.defaultNamespace(), writer));
    }

    /** The namespace the changes are made in. */
    public UserNamespace namespace() {
        return namespace;
    }

    /** Whether container uid {@code uid} is mapped (the default map's ids run from 0 without gaps). */
    public boolean mapsUid(long uid) {
        return mapped(namespace.uidMap(), uid);
    }

    public boolean mapsGid(long gid) {
        return mapped(namespace.gidMap(), gid);
    }

    /** How many uids the namespace maps, for messages. */
    public long uidCount() {
        return namespace.uidMap().stream().mapToLong(IdMapping::count).sum();
    }

    public long gidCount() {
        return namespace.gidMap().stream().mapToLong(IdMapping::count).sum();
    }

    private static boolean mapped(List<IdMapping> map, long id) {
        return map.stream().anyMatch(m -> m.containerId() <= id && id < m.containerId() + m.count());
    }

    /**
     * Makes the changes, in order.
     *
     * @throws IOException naming the file whose change the kernel refused, or the map
     *     helpers' failure; changes before it stay made
     */
    public void apply(Path root, List<Change> changes) throws IOException {
        for (int from = 0; from < changes.size(); from += BATCH) {
            run(root, changes.subList(from, Math.min(changes.size(), from + BATCH)), false);
        }
    }

    /**
     * Gives {@code paths} back to the user (id 0 inside), skipping those that are gone:
     * before their tree is deleted, also a half-deleted one.
     */
    public void restore(Path root, List<String> paths) throws IOException {
        List<Change> back = paths.stream().map(p -> new Change(p, 0, 0, -1)).toList();
        for (int from = 0; from < back.size(); from += BATCH) {
            run(root, back.subList(from, Math.min(back.size(), from + BATCH)), true);
        }
    }

    private void run(Path root, List<Change> changes, boolean skipMissing) throws IOException {
        int[] sync = Libc.pipe2(linux_h.O_CLOEXEC());
        int pidfd = -1;
        long pid = -1;
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram program = program(arena, sync[0], root, changes, skipMissing);
            MemorySegment pidfdOut = arena.allocate(JAVA_INT);
            pid = clone(arena, program, pidfdOut);
            if (pid < 0) {
                throw new SyscallException("clone3 into a new user namespace (to chown an image's files)", (int) -pid);
            }
            pidfd = pidfdOut.get(JAVA_INT, 0);
            Libc.closeQuietly(sync[0]);
            sync[0] = -1;
            try {
                writer.write(pid, namespace, false);
                Libc.writeFully(sync[1], arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, (byte) 1));
            } finally {
                Libc.closeQuietly(sync[1]); // EOF instead of the byte: the child stops without a change
                sync[1] = -1;
            }
            int exit = waitFor(pidfd);
            pidfd = -1;
            Optional<ChildProgram.Failure> failure = program.failure();
            if (failure.isPresent()) {
                ChildProgram.Failure f = failure.get();
                throw new IOException("giving the files of " + root + " to the ids of your user namespace ("
                        + namespace + ") failed: " + f + (f.errno() == linux_h.EINVAL() ? ": the ids are not mapped there"
                        : f.errno() == linux_h.ELOOP() || f.errno() == linux_h.EXDEV()
                        ? ": the path passes a symbolic link or leaves the tree, and is not followed" : ""));
            }
            if (exit != 0) {
                throw new IOException("the child that gives files to the ids of your user namespace ended with "
                        + (exit > 128 ? "signal " + (exit - 128) : "exit code " + exit) + " and no failed step");
            }
        } finally {
            if (pidfd >= 0) {
                killAndReap(pidfd);
            }
            Libc.closeQuietly(sync[0]);
            Libc.closeQuietly(sync[1]);
        }
    }

    static ChildProgram program(Arena arena, int syncFd, Path root, List<Change> changes, boolean skipMissing) {
        ChildProgram.Builder p = ChildProgram.builder(arena);
        p.setsUpInternals("the ownership of an image's files");
        BitSet kept = new BitSet();
        kept.set(syncFd);
        p.closeAllExcept(kept).note("the child holds nothing of the JVM's but the pipe it waits on");
        p.read(syncFd, 1).zeroFails().note("wait until the parent has written the maps (EOF: it gave up)");
        int rootFd = p.open(root.toString(), linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_NOFOLLOW()
                | linux_h.O_CLOEXEC(), 0);
        Map<String, List<Change>> byDirectory = new LinkedHashMap<>();
        for (Change c : changes) {
            byDirectory.computeIfAbsent(c.path().isEmpty() ? null : c.parent(), k -> new ArrayList<>()).add(c);
        }
        for (Map.Entry<String, List<Change>> d : byDirectory.entrySet()) {
            List<Change> all = d.getValue();
            for (int from = 0; from < all.size(); from += PER_DIRECTORY) {
                changeIn(p, rootFd, d.getKey(), all.subList(from, Math.min(all.size(), from + PER_DIRECTORY)), skipMissing);
            }
        }
        p.exit(0);
        return p.build();
    }

    /** The changes of entries of one directory ({@code parent} relative to the root; null for the root itself). */
    private static void changeIn(ChildProgram.Builder p, int rootFd, String parent, List<Change> changes,
            boolean skipMissing) {
        int dirFd = rootFd;
        boolean opens = parent != null && !parent.isEmpty();
        if (opens) {
            dirFd = p.openat2(rootFd, parent, linux_h.O_PATH() | linux_h.O_DIRECTORY() | linux_h.O_CLOEXEC(),
                    linux_h.RESOLVE_BENEATH() | linux_h.RESOLVE_NO_SYMLINKS());
            if (skipMissing) {
                int following = 1 + changes.size() + (int) changes.stream().filter(c -> c.modeAfter() >= 0).count();
                p.skipIfMissing(following);
            }
        }
        for (Change c : changes) {
            p.chownAt(dirFd, parent == null ? "" : c.name(), (int) c.uid(), (int) c.gid());
            boolean chmod = c.modeAfter() >= 0;
            if (skipMissing) {
                p.skipIfMissing(chmod ? 1 : 0);
            }
            if (chmod) {
                p.chmodAt(dirFd, c.name(), c.modeAfter()).note("chown cleared the setuid and setgid bits");
            }
        }
        if (opens) {
            p.close(dirFd);
        }
    }

    private static long clone(Arena arena, ChildProgram program, MemorySegment pidfdOut) {
        MemorySegment args = clone_args.allocate(arena);
        args.fill((byte) 0);
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        clone_args.flags(args, linux_h.CLONE_VM() | linux_h.CLONE_PIDFD() | linux_h.CLONE_CLEAR_SIGHAND()
                | linux_h.CLONE_NEWUSER());
        clone_args.pidfd(args, pidfdOut.address());
        clone_args.exit_signal(args, linux_h.SIGCHLD());
        clone_args.stack(args, stack.address());
        clone_args.stack_size(args, STACK_SIZE);
        try {
            MemorySegment control = Trampoline.controlBlock(arena, args, program, FAILED);
            return Trampoline.get().spawn(control.address());
        } catch (SyscallException e) {
            return -e.errno();
        }
    }

    /** Reaps the child; its exit code, or 128 + the signal that ended it. Closes the pidfd. */
    private static int waitFor(int pidfd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(linux_h.HAKO_SIGINFO_SIZE(), 8);
            Libc.waitid(pidfd, info, linux_h.WEXITED());
            int code = info.get(JAVA_INT, linux_h.HAKO_SI_CODE());
            int status = info.get(JAVA_INT, linux_h.HAKO_SI_STATUS());
            return code == linux_h.CLD_EXITED() ? status : 128 + status;
        } finally {
            Libc.closeQuietly(pidfd);
        }
    }

    private static void killAndReap(int pidfd) {
        try {
            Libc.pidfdSendSignal(pidfd, linux_h.SIGKILL());
        } catch (SyscallException e) {
            // gone already
        }
        try {
            waitFor(pidfd);
        } catch (SyscallException e) {
            // reaped already
        }
    }
}
