package dev.hako.testing;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness itself: a real throwaway user, a child JVM as that user, and nothing left afterwards. */
@KernelTest
class TestUserIT {
    private static final Path SUBUID = Path.of("/etc/subuid");
    private static final Path SUBGID = Path.of("/etc/subgid");

    /** A file's bytes and mode, or empty when absent. */
    private record FileState(Optional<byte[]> bytes, String mode) {
        static FileState of(Path f) throws IOException {
            try {
                return new FileState(Optional.of(Files.readAllBytes(f)),
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            } catch (NoSuchFileException e) {
                return new FileState(Optional.empty(), "");
            }
        }

        void assertSame(FileState after, String what) {
            assertEquals(bytes.isPresent(), after.bytes.isPresent(), what + " exists as before");
            bytes.ifPresent(b -> assertArrayEquals(b, after.bytes.get(), what + " has its bytes back"));
            assertEquals(mode, after.mode, what + " has its mode back");
        }
    }

    private static Set<String> testUsers() throws IOException {
        return Files.readAllLines(Path.of("/etc/passwd")).stream().map(l -> l.split(":")[0])
                .filter(n -> n.startsWith(TestUser.PREFIX)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, String> lines(TestUser.Result r) {
        return r.stdout().lines().collect(Collectors.toMap(l -> l.split(" ", 2)[0], l -> l.contains(" ") ? l.split(" ", 2)[1] : ""));
    }

    @Test
    void aChildJvmRunsAsTheUserWithNoCapabilities() throws Exception {
        try (TestUser user = TestUser.create()) {
            assertTrue(user.name().matches("hako-t-\\d{4}"), user.name());
            assertNotEquals(0, user.uid());
            TestUser.Result r = user.runJava(WhoAmI.class, "3", "two words", "");
            assertEquals(3, r.exitCode(), r.describe());
            Map<String, String> who = lines(r);
            assertEquals(user.uid() + " " + user.uid(), who.get("uid"), "real and effective uid: " + r.describe());
            assertEquals(user.gid() + " " + user.gid(), who.get("gid"), r.describe());
            assertEquals(Long.toString(user.gid()), who.get("groups"), "only its own group: " + r.describe());
            long capEff = Long.parseUnsignedLong(who.get("capeff"), 16);
            assertEquals(0, capEff & (1L << linux_h.CAP_SYS_ADMIN()), "CAP_SYS_ADMIN: " + r.describe());
            assertEquals(0, capEff, "no capability at all: " + r.describe());
            assertNotEquals(0, Long.parseUnsignedLong(who.get("capbnd"), 16), "the bounding set stays, for newuidmap");
            assertEquals(user.name(), who.get("user.name"));
            assertEquals(user.home().toString(), who.get("HOME"), "the user's login environment");
            assertEquals(user.home().toString(), who.get("cwd"));
            assertEquals("3 3|two words|", who.get("args"), "arguments passed as they are");
            assertEquals("to stderr\n", r.stderr());
            assertEquals(user.uid(), ((Number) Files.getAttribute(user.home(), "unix:uid")).longValue(), "its home is its own");
        }
    }

    @Test
    void subordinateLinesComeAndGoAndTheFilesAreRestoredExactly() throws Exception {
        FileState uidBefore = FileState.of(SUBUID);
        FileState gidBefore = FileState.of(SUBGID);
        Set<String> usersBefore = testUsers();
        String name;
        Path home;
        try (TestUser user = TestUser.builder().subuid(3_000_000, 10).subgid(3_100_000, 20).subordinateIds(65536).create()) {
            name = user.name();
            home = user.home();
            assertEquals(2, user.subuids().size());
            long start = user.subuids().get(1).start();
            assertEquals(0, start % 65536);
            assertEquals(start, user.subgids().get(1).start(), "the same free start for both");
            String subuid = Files.readString(SUBUID);
            String subgid = Files.readString(SUBGID);
            assertTrue(subuid.endsWith(name + ":3000000:10\n" + name + ":" + start + ":65536\n"), subuid);
            assertTrue(subgid.endsWith(name + ":3100000:20\n" + name + ":" + start + ":65536\n"), subgid);
            assertTrue(testUsers().contains(name));
            assertTrue(Files.isDirectory(home));
            TestUser.Result r = user.run("cat", "/etc/subuid");
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains(name + ":3000000:10"), "the user reads its lines: " + r.describe());
        }
        assertEquals(usersBefore, testUsers(), "the user is gone");
        assertFalse(Files.readString(Path.of("/etc/group")).contains(name + ":"), "its group is gone");
        assertFalse(Files.exists(home), "its home is gone");
        uidBefore.assertSame(FileState.of(SUBUID), "/etc/subuid");
        gidBefore.assertSame(FileState.of(SUBGID), "/etc/subgid");
    }

    @Test
    void aFailureWhileMakingTheUserUndoesEverything() throws Exception {
        FileState uidBefore = FileState.of(SUBUID);
        FileState gidBefore = FileState.of(SUBGID);
        Set<String> usersBefore = testUsers();
        TestUser.Builder b = TestUser.builder().subordinateIds(10);
        b.afterSetUp = () -> {
            try {
                assertNotEquals(usersBefore, testUsers(), "control: the user was made");
                assertFalse(Files.readString(SUBUID).equals(new String(uidBefore.bytes().orElse(new byte[0]))),
                        "control: the line was added");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            throw new IllegalStateException("failing on purpose");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, b::create);
        assertEquals("failing on purpose", e.getMessage());
        assertEquals(usersBefore, testUsers(), "the user is gone");
        uidBefore.assertSame(FileState.of(SUBUID), "/etc/subuid");
        gidBefore.assertSame(FileState.of(SUBGID), "/etc/subgid");
    }

    @Test
    void processesLeftRunningAreEndedOnClose() throws Exception {
        long orphan;
        Process started;
        try (TestUser user = TestUser.create()) {
            started = user.start(List.of("sleep", "600"), Map.of());
            // A grandchild whose parent has exited: no Process object knows it.
            TestUser.Result r = user.run("sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!");
            assertEquals(0, r.exitCode(), r.describe());
            orphan = Long.parseLong(r.stdout().strip());
            assertTrue(ProcessHandle.of(orphan).isPresent());
        }
        assertFalse(started.isAlive(), "the started sleep was killed");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false), "the orphaned sleep was killed");
    }

    @Test
    void aTimeoutKillsTheCommandAndSaysWhatItPrinted() throws Exception {
        try (TestUser user = TestUser.create()) {
            Process p = user.start(List.of("sh", "-c", "echo started; exec sleep 600"), Map.of("X", "y"));
            AssertionError e = assertThrows(AssertionError.class, () -> TestUser.waitFor(p, Duration.ofMillis(500)));
            assertTrue(e.getMessage().startsWith("still running after 500 ms, killed: "), e.getMessage());
            assertTrue(e.getMessage().contains("--- stdout:\nstarted\n"), e.getMessage());
            assertFalse(p.isAlive());
            TestUser.Result env = TestUser.waitFor(user.start(List.of("sh", "-c", "echo $X $USER"), Map.of("X", "y")),
                    Duration.ofSeconds(30));
            assertEquals("y " + user.name() + "\n", env.stdout(), env.describe());
        }
    }

    @Test
    void aUserLeftByADeadJvmIsRemovedByTheNextOne() throws Exception {
        String stale = TestUser.PREFIX + "s" + (1000 + (ProcessHandle.current().pid() % 9000));
        FileState uidBefore = FileState.of(SUBUID);
        try {
            Process add = new ProcessBuilder("useradd", "--create-home", "--user-group", "--comment",
                    "hako test user of JVM 2147483646 1", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", stale)
                    .inheritIO().start();
            assertEquals(0, add.waitFor());
            Files.writeString(SUBUID, new String(uidBefore.bytes().orElse(new byte[0])) + stale + ":4000000:10\n");
            assertTrue(testUsers().contains(stale));
            try (TestUser user = TestUser.create()) {
                assertFalse(testUsers().contains(stale), "the stale user is removed when the next one is made");
                assertFalse(Files.readString(SUBUID).contains(stale + ":"), "with its /etc/subuid line");
            }
        } finally {
            new ProcessBuilder("userdel", "--remove", stale).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            if (uidBefore.bytes().isPresent()) {
                Files.write(SUBUID, uidBefore.bytes().get());
            } else {
                Files.deleteIfExists(SUBUID);
            }
        }
    }
}
