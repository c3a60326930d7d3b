package dev.hako.program;

import dev.hako.linux.FdSocket;
import dev.hako.linux.IdmappedMount;
import dev.hako.linux.Libc;
import dev.hako.linux.Namespaces;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChildProgram.Builder#receiveFd} in a child run by the real trampoline: the
 * descriptor the JVM sends ({@link FdSocket#send}) arrives at the number the builder
 * predicted and works there; a JVM that closes its end without sending stops the child at
 * that step; and the whole path of an idmapped root: a child cloned into a user and mount
 * namespace of its own waits in its receive while the JVM writes its maps and makes the
 * idmapped copy through its user namespace, then attaches what it received, and its root
 * writes files owned by 0 on disk (a plain copy, the control, refuses it the write).
 */
@KernelTest
class ReceiveFdIT {
    private static final int BASE = 100_000;

    @TempDir
    Path tmp;

    /** 0, 1, 2 and the child's end of the socket, at its number in the JVM: the rest is closed. */
    private static BitSet kept(FdSocket socket) {
        BitSet kept = new BitSet();
        kept.set(0, 3);
        kept.set(socket.childEnd());
        return kept;
    }

    private static int lowestFree(BitSet taken) {
        return taken.nextClearBit(0);
    }

    private static int receiveStep(ChildProgram program) {
        for (int i = 0; i < program.steps().size(); i++) {
            if (program.steps().get(i).nr() == linux_h.SYS_recvmsg()) {
                return i;
            }
        }
        throw new AssertionError("no recvmsg step in\n" + program);
    }

    private static String readAll(int fd) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            long n;
            while ((n = Libc.read(fd, buf)) > 0) {
                out.append(new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return out.toString();
    }

    @Test
    void theDescriptorArrivesAtThePredictedNumberAndWorksThere() throws Exception {
        int[] pipe = Libc.pipe2(linux_h.O_CLOEXEC());
        try (Arena arena = Arena.ofConfined(); FdSocket socket = FdSocket.open()) {
            BitSet taken = kept(socket);
            ChildProgram.Builder b = ChildProgram.builder(arena).closeAllExcept(taken);
            int devNull = b.open("/dev/null", linux_h.O_RDONLY() | linux_h.O_CLOEXEC(), 0);
            assertEquals(lowestFree(taken), devNull);
            taken.set(devNull);
            int received = b.receiveFd(socket.childEnd());
            assertEquals(lowestFree(taken), received, "the next lowest free number, as for an open");
            byte[] text = "written through the received descriptor\n".getBytes(StandardCharsets.UTF_8);
            MemorySegment data = arena.allocate(text.length).copyFrom(MemorySegment.ofArray(text));
            // the write names the predicted number: on any other, it would fail (EBADF, or
            // EBADF on the read-only /dev/null) and stop the child
            b.write(received, data, text.length).zeroFails().close(received).close(devNull);
            ChildProgram program = b.build();
            int receiveStep = receiveStep(program);
            assertTrue(program.toString().contains("MSG_CMSG_CLOEXEC)  [0 fails]  # gets fd " + received + "\n"),
                    program.toString());
            try (TrampolineRun run = TrampolineRun.start(arena, program, 0)) {
                socket.closeChildEnd();
                socket.send(pipe[1]);
                Libc.close(pipe[1]);
                pipe[1] = -1;
                assertEquals(0, run.waitForExit(), program.describeRun());
            }
            assertEquals(Optional.of(1L), program.result(receiveStep), "one data byte, with the descriptor");
            assertEquals(new String(text, StandardCharsets.UTF_8), readAll(pipe[0]),
                    "the child wrote, then closed the last write end: EOF");
        } finally {
            Libc.closeQuietly(pipe[0]);
            Libc.closeQuietly(pipe[1]);
        }
    }

    @Test
    void aJvmThatClosesItsEndWithoutSendingStopsTheChildAtTheReceive() throws Exception {
        try (Arena arena = Arena.ofConfined(); FdSocket socket = FdSocket.open()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).closeAllExcept(kept(socket));
            b.receiveFd(socket.childEnd());
            ChildProgram program = b.chdir("/").build();
            int receiveStep = receiveStep(program);
            try (TrampolineRun run = TrampolineRun.start(arena, program, 0)) {
                socket.close(); // gives up: both ends gone here, and the child kept no copy of the JVM's
                assertEquals(TrampolineRun.FAILED, run.waitForExit(), program.describeRun());
            }
            ChildProgram.Failure f = program.failure().orElseThrow();
            assertEquals(receiveStep, f.index(), program.describeRun());
            assertEquals(0, f.errno());
            assertTrue(f.toString().startsWith("recvmsg(") && f.toString().endsWith(": returned 0"), f.toString());
            assertTrue(program.result(receiveStep + 1).isEmpty(), "nothing after it ran");
        }
    }

    /**
     * The child's steps after its receive: its ids inside (possible only once the maps are
     * written), its own mount tree made private, the received mount restricted and attached
     * at {@code target}, a file created through it.
     */
    private static ChildProgram attachAndCreate(Arena arena, FdSocket socket, Path target) {
        ChildProgram.Builder b = ChildProgram.builder(arena).closeAllExcept(kept(socket));
        int mount = b.receiveFd(socket.childEnd());
        b.note("also the wait for the JVM: the maps come first");
        b.step(linux_h.SYS_setresgid(), "setresgid(0, 0, 0)", 0, 0, 0);
        b.step(linux_h.SYS_setresuid(), "setresuid(0, 0, 0)", 0, 0, 0);
        b.mount(null, "/", null, linux_h.MS_REC() | linux_h.MS_PRIVATE(), null);
        // as MountSetup treats its own detached copies: attributes before the attach, propagation after
        b.mountSetattr(mount, false, linux_h.MOUNT_ATTR_NOSUID() | linux_h.MOUNT_ATTR_NODEV(),
                "MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV");
        b.moveMount(mount, target.toString()).close(mount);
        b.mount(null, target.toString(), null, linux_h.MS_PRIVATE(), null);
        int created = b.open(target.resolve("created-inside").toString(),
                linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_EXCL() | linux_h.O_CLOEXEC(), 0644);
        return b.close(created).build();
    }

    /** Clones the child into its own user and mount namespaces; the JVM writes the maps, then {@code send}s. */
    private interface Sender {
        int mountFor(long pid, int pidfd) throws Exception;
    }

    private static ChildProgram run(Arena arena, Path target, Sender sender, int expectedExit) throws Exception {
        try (FdSocket socket = FdSocket.open()) {
            ChildProgram program = attachAndCreate(arena, socket, target);
            try (TrampolineRun run = TrampolineRun.start(arena, program, linux_h.CLONE_NEWUSER() | linux_h.CLONE_NEWNS())) {
                socket.closeChildEnd();
                String map = "0 " + BASE + " 65536\n";
                Files.writeString(Path.of("/proc/" + run.pid() + "/uid_map"), map);
                Files.writeString(Path.of("/proc/" + run.pid() + "/gid_map"), map);
                int mount = sender.mountFor(run.pid(), run.pidfd());
                try {
                    socket.send(mount);
                } finally {
                    Libc.close(mount); // the message holds it now
                }
                assertEquals(expectedExit, run.waitForExit(), program.describeRun());
            }
            return program;
        }
    }

    private Path sourceTree() throws Exception {
        // JUnit makes it 0700: the mapped root, uid 100000 on the host, must get through to the target
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("image-file"), "from the image\n");
        return src; // owned by root (0:0), mode 0755: the mapped root may write here only through the idmap
    }

    @Test
    void anIdmappedMountSentToAChildInItsOwnUserNamespaceIsAttachedThereAndRootWritesAsRoot() throws Exception {
        Path src = sourceTree();
        Path target = Files.createDirectories(tmp.resolve("target"));
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram program = run(arena, target, (pid, pidfd) -> {
                int userns = Namespaces.open(pid, pidfd, "user");
                try (IdmappedMount m = IdmappedMount.of(src, userns, false)) {
                    return Libc.dupCloexec(m.fd());
                } finally {
                    Libc.close(userns);
                }
            }, 0);
            assertTrue(program.failure().isEmpty(), program.describeRun());
        }
        Path created = src.resolve("created-inside");
        assertTrue(Files.exists(created), "created through the child's mount, so in the tree itself");
        assertEquals(0, Files.getAttribute(created, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                "root inside (uid 100000 on the host) writes files owned by 0 on disk");
        assertEquals(0, Files.getAttribute(created, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + target + " "),
                "attached in the child's mount namespace only");
        try (var entries = Files.list(target)) {
            assertEquals(0, entries.count(), "the host's target directory is as it was");
        }
    }

    @Test
    void controlAPlainCopyRefusesTheMappedRootTheWrite() throws Exception {
        Path src = sourceTree();
        Path target = Files.createDirectories(tmp.resolve("target"));
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram program = run(arena, target, (pid, pidfd) -> Libc.openTree(src.toString(),
                    linux_h.OPEN_TREE_CLONE() | linux_h.OPEN_TREE_CLOEXEC()), TrampolineRun.FAILED);
            ChildProgram.Failure f = program.failure().orElseThrow();
            assertTrue(f.step().call().startsWith("openat(AT_FDCWD, \"" + target.resolve("created-inside")), f.toString());
            assertEquals(linux_h.EACCES(), f.errno(), "uid 100000 may not write into a directory of root's: "
                    + program.describeRun());
        }
        assertFalse(Files.exists(src.resolve("created-inside")));
    }
}
