package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default user namespace of a plain user, and which maps it may ask for. */
class RootlessMappingTest {
    private static final HostUser ALICE = new HostUser(1000, 1001, "alice");

    @TempDir
    Path tmp;

    private static SubordinateIds.Range range(long start, long count) {
        return new SubordinateIds.Range("alice", start, count);
    }

    private static UserNamespace ns(List<IdMapping> uids, List<IdMapping> gids) {
        return UserNamespace.of(uids, gids);
    }

    @Test
    void withoutSubordinateIdsTheDefaultIsTheOwnIdAloneWithSetgroupsDenied() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(), List.of());
        UserNamespace d = m.defaultNamespace();
        assertEquals(List.of(IdMapping.of(0, 1000, 1)), d.uidMap());
        assertEquals(List.of(IdMapping.of(0, 1001, 1)), d.gidMap());
        assertFalse(m.needsHelpers(d), "the kernel lets a process map its own id itself");
        assertTrue(m.mustDenySetgroups(d), "an own-gid map needs setgroups denied");
        assertDoesNotThrow(() -> m.checkOwned(d));
    }

    @Test
    void theDefaultMapsRootToTheUserThenTheSubordinateRangesAsPodmanDoes() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536)), List.of(range(200000, 65536)));
        UserNamespace d = m.defaultNamespace();
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 100000, 65536)), d.uidMap());
        assertEquals(List.of(IdMapping.of(0, 1001, 1), IdMapping.of(1, 200000, 65536)), d.gidMap());
        assertTrue(m.needsHelpers(d));
        assertTrue(m.needsUidHelper(d));
        assertTrue(m.needsGidHelper(d));
        assertFalse(m.mustDenySetgroups(d), "newgidmap maps subordinate gids with setgroups allowed");
        assertDoesNotThrow(() -> m.checkOwned(d));
        assertEquals(1000, d.hostUid(0));
        assertEquals(100000, d.hostUid(1));
        assertEquals(165535, d.hostUid(65536));
        assertEquals(-1, d.hostUid(65537));
    }

    @Test
    void rangesFollowInFileOrderBackToBack() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(300000, 10), range(100000, 5)), List.of());
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 300000, 10), IdMapping.of(11, 100000, 5)),
                m.defaultNamespace().uidMap());
    }

    @Test
    void onlyUidsSubordinateMeansAUidHelperAndADeniedSetgroups() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536)), List.of());
        UserNamespace d = m.defaultNamespace();
        assertTrue(m.needsUidHelper(d));
        assertFalse(m.needsGidHelper(d));
        assertTrue(m.mustDenySetgroups(d));
    }

    @Test
    void rangesAdjacentOnTheHostAreJoined() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 10), range(100010, 20)), List.of());
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 100000, 30)), m.defaultNamespace().uidMap());
    }

    @Test
    void theOwnIdIsNotJoinedWithAnAdjacentRange() {
        // newuidmap allows the own uid only as a line of one id
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(1001, 10)), List.of());
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 1001, 10)), m.defaultNamespace().uidMap());
    }

    @Test
    void overlapsWithTheOwnIdOrEarlierRangesAreLeftOut() {
        RootlessMapping m = RootlessMapping.of(ALICE,
                List.of(range(990, 20), range(1005, 10), range(100000, 10), range(100000, 10)), List.of());
        // 990-1009 without 1000: 990-999 and 1001-1009; 1005-1014 without 1005-1009 leaves
        // 1010-1014, adjacent to 1001-1009 on the host and inside, so joined; the repeated range adds nothing.
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 990, 10), IdMapping.of(11, 1001, 14),
                        IdMapping.of(25, 100000, 10)),
                m.defaultNamespace().uidMap());
    }

    @Test
    void atMostTheKernelsLinesAreMade() {
        List<SubordinateIds.Range> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(range(100000 + 2L * i, 1)); // not adjacent: one line each
        }
        UserNamespace d = RootlessMapping.of(ALICE, many, List.of()).defaultNamespace();
        assertEquals(UserNamespace.MAX_LINES, d.uidMap().size());
    }

    @Test
    void everyHostIdMappedEndsAtTheLargestContainerId() {
        List<SubordinateIds.Range> all = List.of(range(0, 1000), range(1001, IdMapping.MAX_ID - 1000));
        UserNamespace d = RootlessMapping.of(ALICE, all, List.of()).defaultNamespace();
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 0, 1000), IdMapping.of(1001, 1001, IdMapping.MAX_ID - 1000)),
                d.uidMap());
    }

    @Test
    void explicitMapsWithinWhatTheUserOwnsPass() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536), range(165536, 100)),
                List.of(range(100000, 65536)));
        assertDoesNotThrow(() -> m.checkOwned(ns(List.of(IdMapping.of(0, 100000, 1000)), List.of(IdMapping.of(0, 100500, 1)))));
        assertDoesNotThrow(() -> m.checkOwned(ns(List.of(IdMapping.of(5, 1000, 1), IdMapping.of(0, 100000, 5)),
                List.of(IdMapping.of(0, 1001, 1)))), "the own ids as lines of one");
        assertDoesNotThrow(() -> m.checkOwned(ns(List.of(IdMapping.of(0, 165000, 600)), List.of(IdMapping.of(0, 1001, 1)))),
                "a line may span adjacent ranges, as newuidmap allows");
    }

    @Test
    void aLineOutsideWhatTheUserOwnsIsRefusedNamingItAndWhatTheUserOwns() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536)), List.of(range(100000, 65536)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.checkOwned(ns(
                List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 165000, 1000)), List.of(IdMapping.of(0, 1001, 1)))));
        assertEquals("uidMap line \"1 165000 1000\" maps host uids 165000-165999, which alice (uid 1000) does not own:"
                + " without root a container may map only your own uid 1000 (as a line of one id) and the ranges"
                + " /etc/subuid grants you (100000-165535); an administrator can grant more there"
                + " (usermod --add-subuids FIRST-LAST alice)", e.getMessage());
    }

    @Test
    void aGidLineIsCheckedAgainstSubgid() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.checkOwned(ns(
                List.of(IdMapping.of(0, 1000, 1)), List.of(IdMapping.of(0, 0, 1)))));
        assertEquals("gidMap line \"0 0 1\" maps host gids 0-0, which alice (uid 1000) does not own: without root a"
                + " container may map only your own gid 1001 (as a line of one id), and /etc/subgid grants you no ranges;"
                + " an administrator can grant some there (usermod --add-subgids 100000-165535 alice), which"
                + " newuidmap/newgidmap (package uidmap) then map", e.getMessage());
    }

    @Test
    void theOwnIdIsOwnedOnlyAsALineOfOne() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(1001, 10)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.checkOwned(ns(List.of(IdMapping.of(0, 1000, 2)), List.of(IdMapping.of(0, 1001, 1)))));
        assertTrue(e.getMessage().startsWith("uidMap line \"0 1000 2\" maps host uids 1000-1001"), e.getMessage());
    }

    @Test
    void autoNeedsRoot() {
        RootlessMapping m = RootlessMapping.of(ALICE, List.of(range(100000, 65536)), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.checkOwned(UserNamespace.auto()));
        assertTrue(e.getMessage().startsWith("UserNamespace.auto() needs root"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.needsHelpers(UserNamespace.auto()));
    }

    @Test
    void fromFilesByNameAndUidWithMalformedLinesNamedInTheRefusal() throws IOException {
        Path subuid = Files.writeString(tmp.resolve("subuid"),
                "bob:100000:65536\nalice:165536:65536\n1000:300000:10\nalice:oops:10\n");
        Path subgid = Files.writeString(tmp.resolve("subgid"), "alice:165536:65536\n");
        RootlessMapping m = RootlessMapping.forUser(ALICE, subuid, subgid);
        assertEquals(List.of(range(165536, 65536), new SubordinateIds.Range("1000", 300000, 10)), m.subuids());
        assertEquals(List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 165536, 65536), IdMapping.of(65537, 300000, 10)),
                m.defaultNamespace().uidMap());
        assertEquals(List.of(IdMapping.of(0, 1001, 1), IdMapping.of(1, 165536, 65536)), m.defaultNamespace().gidMap());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.checkOwned(ns(List.of(IdMapping.of(0, 100000, 1)), List.of(IdMapping.of(0, 1001, 1)))));
        assertTrue(e.getMessage().contains("the ranges " + subuid + " grants you (165536-231071, 300000-300009)"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; ignored as malformed in " + subuid
                + ": line 4 \"alice:oops:10\": the start is not a number"), e.getMessage());
    }

    @Test
    void aHostileFileFailsTheMapping() throws IOException {
        Path link = tmp.resolve("subuid");
        Files.createSymbolicLink(link, Path.of("/dev/zero"));
        IOException e = assertThrows(IOException.class, () -> RootlessMapping.forUser(ALICE, link, tmp.resolve("none")));
        assertTrue(e.getMessage().contains("is a character device"), e.getMessage());
    }

    @Test
    void coveredSpansOnlyAdjacentRanges() {
        List<SubordinateIds.Range> r = List.of(range(10, 10), range(20, 5), range(30, 5));
        assertTrue(RootlessMapping.covered(10, 15, r));
        assertTrue(RootlessMapping.covered(22, 3, r));
        assertFalse(RootlessMapping.covered(22, 4, r), "25 is in no range");
        assertFalse(RootlessMapping.covered(9, 2, r));
    }

    @Test
    void theCurrentUserIsThisJvmsEffectiveUser() throws IOException {
        HostUser me = HostUser.current();
        String own = Files.readString(Path.of("/proc/self/status"));
        assertEquals(HostUser.ids(own, "Uid:")[1], me.uid());
        assertEquals(HostUser.ids(own, "Gid:")[1], me.gid());
        assertEquals(System.getProperty("user.name"), me.name());
        String status = "Name:\tx\nUid:\t5\t6\t6\t6\nGid:\t7\t8\t8\t8\n";
        assertEquals(new HostUser(6, 8, null), HostUser.of(status, "alice"),
                "effective ids; the JDK's user.name is the real uid's, so not used when they differ");
        assertEquals(new HostUser(6, 8, "alice"), HostUser.of(status.replace("Uid:\t5", "Uid:\t6"), "alice"));
        assertEquals(new HostUser(6, 8, null), HostUser.of(status.replace("Uid:\t5", "Uid:\t6"), "?"), "the JDK found no name");
        assertEquals("alice (uid 6)", HostUser.of(status.replace("Uid:\t5", "Uid:\t6"), "alice").describe());
        assertEquals("uid 6", new HostUser(6, 8, null).describe());
        long[] ids = HostUser.ids("Name:\tx\nUid:\t5\t6\t6\t6\nGid:\t7\t8\t8\t8\n", "Uid:");
        assertEquals(5, ids[0], "real");
        assertEquals(6, ids[1], "effective");
    }
}
