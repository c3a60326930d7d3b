package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestUser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Maps written into real user namespaces: as root directly; as a plain test user directly
 * (its own id) and through the real newuidmap/newgidmap (its /etc/subuid ranges), with the
 * kernel's and the helpers' refusals.
 */
@KernelTest
class IdMapWriterIT {
    private static final UserNamespace TWO_RANGES = UserNamespace.of(
            List.of(IdMapping.of(0, 100000, 1000), IdMapping.of(1000, 300000, 10)),
            List.of(IdMapping.of(0, 200000, 1000), IdMapping.of(1000, 400000, 10)));

    @TempDir
    Path tmp;

    @Test
    void rootWritesTheMapsItselfAndSetgroupsStaysAllowed() throws Exception {
        IdMapWriter w = IdMapWriter.system();
        assertTrue(w.caller().canSetUid() && w.caller().canSetGid(), "root: " + w.caller());
        try (NewUserNamespace target = NewUserNamespace.start()) {
            assertEquals("", target.read("uid_map"), "control: no map yet");
            w.write(target.pid(), TWO_RANGES, false);
            assertEquals("0 100000 1000, 1000 300000 10", target.read("uid_map"));
            assertEquals("0 200000 1000, 1000 400000 10", target.read("gid_map"));
            assertEquals("allow", target.read("setgroups"));
        }
    }

    @Test
    void denyingSetgroupsWritesItBeforeTheGidMap() throws Exception {
        try (NewUserNamespace target = NewUserNamespace.start()) {
            IdMapWriter.system().write(target.pid(), TWO_RANGES, true);
            // The kernel refuses setgroups once gid_map is written: "deny" there means it came first.
            assertEquals("deny", target.read("setgroups"));
            assertEquals("0 200000 1000, 1000 400000 10", target.read("gid_map"));
        }
    }

    @Test
    void aSecondWriteIsRefusedClearly() throws Exception {
        try (NewUserNamespace target = NewUserNamespace.start()) {
            IdMapWriter.system().write(target.pid(), TWO_RANGES, false);
            UserNamespace other = UserNamespace.of(List.of(IdMapping.of(0, 500000, 1)), List.of(IdMapping.of(0, 500000, 1)));
            IdMapException e = assertThrows(IdMapException.class, () -> IdMapWriter.system().write(target.pid(), other, false));
            assertEquals(linux_h.EPERM(), e.errno());
            String m = e.getMessage();
            assertTrue(m.startsWith("the kernel refused uid_map \"0 500000 1\" of process " + target.pid() + " (write("), m);
            assertTrue(m.endsWith("EPERM (Operation not permitted)): it already has one (\"0 100000 1000, 1000 300000 10\"),"
                    + " and the kernel takes a map once"), m);
            assertEquals("0 100000 1000, 1000 300000 10", target.read("uid_map"), "the first map stays");
        }
    }

    @Test
    void setgroupsAfterTheGidMapIsRefusedClearly() throws Exception {
        try (NewUserNamespace target = NewUserNamespace.start()) {
            IdMapWriter.system().write(target.pid(), TWO_RANGES, false);
            IdMapException e = assertThrows(IdMapException.class, () -> IdMapWriter.system().write(target.pid(), TWO_RANGES, true));
            assertEquals(linux_h.EPERM(), e.errno());
            assertTrue(e.getMessage().startsWith("the kernel refused to deny setgroups of process " + target.pid()), e.getMessage());
            assertTrue(e.getMessage().endsWith(": setgroups can be written only before gid_map, and gid_map is already"
                    + " \"0 200000 1000, 1000 400000 10\""), e.getMessage());
        }
    }

    @Test
    void aGoneProcessIsSaidToBeGone() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        IdMapException e = assertThrows(IdMapException.class, () -> IdMapWriter.system().write(p.pid(), TWO_RANGES, false));
        assertEquals(linux_h.ENOENT(), e.errno());
        assertTrue(e.getMessage().endsWith(": the process is gone"), e.getMessage());
    }

    @Test
    void anAutoLeaseIsWrittenAsItsRange() throws Exception {
        AutoRanges ranges = new AutoRanges(tmp.resolve("leases"), SubordinateIds.SUBUID, SubordinateIds.SUBGID);
        try (AutoRanges.Lease lease = ranges.lease(); NewUserNamespace target = NewUserNamespace.start()) {
            IdMapWriter.system().write(target.pid(), lease.userNamespace(), false);
            assertEquals("0 " + lease.hostId() + " 65536", target.read("uid_map"));
            assertEquals("0 " + lease.hostId() + " 65536", target.read("gid_map"));
        }
    }

    // --- as a plain user ---

    private static Map<String, String> lines(TestUser.Result r) {
        assertEquals(0, r.exitCode(), r.describe());
        return r.stdout().lines().collect(Collectors.toMap(l -> l.split(" ", 2)[0], l -> l.split(" ", 2)[1]));
    }

    @Test
    void withSubordinateIdsNewuidmapWritesThePodmanDefault() throws Exception {
        try (TestUser user = TestUser.builder().subordinateIds(65536).create()) {
            long start = user.subuids().get(0).start();
            TestUser.Result r = user.runJava(MapWriterMain.class, "default");
            Map<String, String> out = lines(r);
            assertEquals("true", out.get("helpers"), r.describe());
            assertEquals("0 " + user.uid() + " 1, 1 " + start + " 65536", out.get("uid_map"), r.describe());
            assertEquals("0 " + user.gid() + " 1, 1 " + start + " 65536", out.get("gid_map"), r.describe());
            assertEquals("allow", out.get("setgroups"), "subordinate gids through newgidmap keep setgroups: " + r.describe());
        }
    }

    @Test
    void withoutSubordinateIdsThePlainUserWritesItsOwnIdsWithSetgroupsDenied() throws Exception {
        try (TestUser user = TestUser.create()) {
            TestUser.Result r = user.runJava(MapWriterMain.class, "default-without-helpers");
            Map<String, String> out = lines(r);
            assertEquals("false", out.get("helpers"), r.describe());
            assertEquals("0 " + user.uid() + " 1", out.get("uid_map"), r.describe());
            assertEquals("0 " + user.gid() + " 1", out.get("gid_map"), r.describe());
            assertEquals("deny", out.get("setgroups"), r.describe());
        }
    }

    @Test
    void newuidmapRefusingIdsTheUserDoesNotOwnGivesItsExitCodeAndStderr() throws Exception {
        try (TestUser user = TestUser.builder().subordinateIds(65536).create()) {
            long beyond = user.subuids().get(0).start() + 65536;
            String uidMap = "0," + user.uid() + ",1;1," + beyond + ",10";
            String gidMap = "0," + user.gid() + ",1";
            Map<String, String> checked = lines(user.runJava(MapWriterMain.class, "check", uidMap, gidMap));
            assertEquals("IllegalArgumentException uidMap line \"1 " + beyond + " 10\" maps host uids " + beyond + "-"
                    + (beyond + 9) + ", which " + user.name() + " (uid " + user.uid() + ") does not own: without root a"
                    + " container may map only your own uid " + user.uid() + " (as a line of one id) and the ranges"
                    + " /etc/subuid grants you (" + user.subuids().get(0).start() + "-" + (beyond - 1) + "); an"
                    + " administrator can grant more there (usermod --add-subuids FIRST-LAST " + user.name() + ")",
                    checked.get("error"), "checkOwned refuses it before anything is started");
            TestUser.Result r = user.runJava(MapWriterMain.class, "explicit", uidMap, gidMap, "true");
            String error = lines(r).get("error");
            assertTrue(error != null && error.matches("IdMapException errno=0 exit=1 /\\S*/newuidmap .*"), r.describe());
            assertTrue(error.contains(" 0 " + user.uid() + " 1 1 " + beyond + " 10 failed with exit code 1: newuidmap: "),
                    r.describe());
            assertTrue(error.contains("not allowed"), "newuidmap's own words: " + r.describe());
        }
    }

    @Test
    void theKernelRefusingAPlainUsersWriteGivesTheErrnoAndTheMap() throws Exception {
        try (TestUser user = TestUser.builder().subordinateIds(65536).create()) {
            long start = user.subuids().get(0).start();
            // Owned through /etc/subuid, but only newuidmap may write it: the kernel refuses the JVM.
            TestUser.Result r = user.runJava(MapWriterMain.class, "privileged", "0," + start + ",10", "0," + user.gid() + ",1");
            String error = lines(r).get("error");
            assertTrue(error != null && error.startsWith("IdMapException errno=" + linux_h.EPERM() + " exit=-1 the kernel"
                    + " refused uid_map \"0 " + start + " 10\" of process "), r.describe());
            assertTrue(error.contains("EPERM (Operation not permitted)): without CAP_SETUID the JVM may map only its own uid"),
                    r.describe());
        }
    }
}
