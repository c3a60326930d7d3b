package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who writes which map, and the helpers' errors, with fake helpers: no root, no real user
 * namespace (IdMapWriterIT writes real ones).
 */
@Timeout(60)
class IdMapWriterTest {
    private static final IdMapWriter.Caller ROOT = new IdMapWriter.Caller(0, 0, true, true);
    private static final IdMapWriter.Caller ALICE = new IdMapWriter.Caller(1000, 1001, false, false);
    private static final UserNamespace OWN = UserNamespace.of(List.of(IdMapping.of(0, 1000, 1)), List.of(IdMapping.of(0, 1001, 1)));
    private static final UserNamespace RANGES = UserNamespace.of(
            List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 100000, 65536)),
            List.of(IdMapping.of(0, 1001, 1), IdMapping.of(1, 100000, 65536)));

    @TempDir
    Path tmp;

    private static IdMapWriter.Plan plan(IdMapWriter.How uid, IdMapWriter.How gid) {
        return new IdMapWriter.Plan(uid, gid);
    }

    @Test
    void rootWritesEveryMapItself() {
        IdMapWriter w = new IdMapWriter(ROOT, List.of());
        assertEquals(plan(IdMapWriter.How.DIRECT, IdMapWriter.How.DIRECT), w.plan(RANGES, false));
        assertEquals(plan(IdMapWriter.How.DIRECT, IdMapWriter.How.DIRECT), w.plan(RANGES, true));
        assertEquals(plan(IdMapWriter.How.DIRECT, IdMapWriter.How.DIRECT), w.plan(OWN, false),
                "with CAP_SETGID setgroups may stay allowed");
        assertFalse(w.needsHelpers(RANGES, false));
    }

    @Test
    void aPlainUserWritesItsOwnSingleIdsItselfWithSetgroupsDenied() {
        IdMapWriter w = new IdMapWriter(ALICE, List.of());
        assertEquals(plan(IdMapWriter.How.DIRECT, IdMapWriter.How.DIRECT), w.plan(OWN, true));
        assertFalse(w.needsHelpers(OWN, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.plan(OWN, false));
        assertEquals("gidMap \"0 1001 1\" is the JVM's own gid alone, which the kernel takes from a process without"
                + " CAP_SETGID only with setgroups denied (newgidmap denies it too): deny setgroups"
                + " (RootlessMapping.mustDenySetgroups)", e.getMessage());
    }

    @Test
    void aPlainUserNeedsTheHelpersForAnythingMore() {
        IdMapWriter w = new IdMapWriter(ALICE, List.of());
        assertEquals(plan(IdMapWriter.How.HELPER, IdMapWriter.How.HELPER), w.plan(RANGES, false));
        UserNamespace otherSingle = UserNamespace.of(List.of(IdMapping.of(0, 1002, 1)), List.of(IdMapping.of(0, 1001, 1)));
        assertEquals(plan(IdMapWriter.How.HELPER, IdMapWriter.How.DIRECT), w.plan(otherSingle, true),
                "another single id is not its own");
        UserNamespace uidRanges = UserNamespace.of(RANGES.uidMap(), OWN.gidMap());
        assertEquals(plan(IdMapWriter.How.HELPER, IdMapWriter.How.DIRECT), w.plan(uidRanges, true));
        assertTrue(w.needsHelpers(uidRanges, true));
    }

    @Test
    void capabilitiesCountSeparately() {
        IdMapWriter w = new IdMapWriter(new IdMapWriter.Caller(1000, 1001, true, false), List.of());
        assertEquals(plan(IdMapWriter.How.DIRECT, IdMapWriter.How.HELPER), w.plan(RANGES, false));
    }

    @Test
    void autoIsResolvedFirst() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IdMapWriter(ROOT, List.of()).write(1, UserNamespace.auto(), false));
        assertTrue(e.getMessage().contains("lease a range first"), e.getMessage());
    }

    @Test
    void theMapIsOneLinePerRange() {
        assertEquals("0 1000 1\n1 100000 65536\n", IdMapWriter.text(RANGES.uidMap()));
        assertEquals("\"0 1000 1, 1 100000 65536\"", IdMapWriter.shown(RANGES.uidMap()));
    }

    @Test
    void aMissingHelperSaysToInstallUidmapBeforeAnythingIsWritten() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("bin"));
        IdMapWriter w = new IdMapWriter(ALICE, List.of(empty));
        // setgroups would be written first: the helper check must come before it (pid 1 is
        // never in a user namespace of ours, so a write would fail with another message).
        IdMapException e = assertThrows(IdMapException.class, () -> w.write(1, RANGES, true));
        assertEquals("newuidmap is not installed (looked in " + empty + "), and only it can map uidMap"
                + " \"0 1000 1, 1 100000 65536\" for a JVM without CAP_SETUID: install the package uidmap"
                + " (apt-get install uidmap). Without /etc/subuid ranges a container maps only your own uid"
                + " (a single-id map), which needs no helper", e.getMessage());
        assertEquals(0, e.errno());
        assertEquals(-1, e.exitCode());
        fakeHelper(empty, "newuidmap", "echo ran >> " + tmp.resolve("log"));
        IdMapException gid = assertThrows(IdMapException.class, () -> w.write(1, RANGES, false));
        assertTrue(gid.getMessage().startsWith("newgidmap is not installed"), gid.getMessage());
        assertFalse(Files.exists(tmp.resolve("log")), "newuidmap did not run while newgidmap was missing");
    }

    @Test
    void helpersGetThePidAndEveryLineInOrderUidsFirst() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Path log = tmp.resolve("log");
        fakeHelper(bin, "newuidmap", "echo \"newuidmap $*\" >> " + log);
        fakeHelper(bin, "newgidmap", "echo \"newgidmap $*\" >> " + log);
        new IdMapWriter(ALICE, List.of(tmp.resolve("nothing-here"), bin)).write(4242, RANGES, false);
        assertEquals(List.of("newuidmap 4242 0 1000 1 1 100000 65536", "newgidmap 4242 0 1001 1 1 100000 65536"),
                Files.readAllLines(log));
    }

    @Test
    void aFailingHelperGivesItsExitCodeAndStderr() throws IOException {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        fakeHelper(bin, "newuidmap", "echo 'newuidmap: uid range [1-65537) -> [100000-165536) not allowed' >&2; exit 1");
        fakeHelper(bin, "newgidmap", "exit 0");
        IdMapException e = assertThrows(IdMapException.class, () -> new IdMapWriter(ALICE, List.of(bin)).write(4242, RANGES, false));
        assertEquals(bin.resolve("newuidmap") + " 4242 0 1000 1 1 100000 65536 failed with exit code 1: newuidmap: uid"
                + " range [1-65537) -> [100000-165536) not allowed (it maps only ids that /etc/subuid or /etc/subgid grant"
                + " the JVM's user, see RootlessMapping.checkOwned)", e.getMessage());
        assertEquals(1, e.exitCode());
        assertEquals(0, e.errno());
    }

    @Test
    void aSilentFailureSaysSo() throws IOException {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        fakeHelper(bin, "newuidmap", "exit 0");
        fakeHelper(bin, "newgidmap", "exit 7");
        IdMapException e = assertThrows(IdMapException.class, () -> new IdMapWriter(ALICE, List.of(bin)).write(4242, RANGES, false));
        assertTrue(e.getMessage().contains("newgidmap 4242 0 1001 1 1 100000 65536 failed with exit code 7 and no message"),
                e.getMessage());
        assertEquals(7, e.exitCode());
    }

    @Test
    void aHelperThatIsNotExecutableIsNotAHelper() throws IOException {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.writeString(bin.resolve("newuidmap"), "#!/bin/sh\nexit 0\n");
        assertTrue(new IdMapWriter(ALICE, List.of(bin)).findHelper("newuidmap").isEmpty());
    }

    @Test
    void theSystemWriterFindsHelpersOnThePathOrInUsrBin() {
        IdMapWriter w = IdMapWriter.system();
        assertEquals(IdMapWriter.Caller.current(), w.caller());
        if (Files.isExecutable(Path.of("/usr/bin/newuidmap"))) {
            assertTrue(w.findHelper("newuidmap").isPresent());
        }
    }

    private static void fakeHelper(Path dir, String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
