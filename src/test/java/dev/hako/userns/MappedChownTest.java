package dev.hako.userns;

import dev.hako.IdMapping;
import dev.hako.UserNamespace;
import dev.hako.program.ChildProgram;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chown child's plan, and which ids the default map holds; no root needed. */
class MappedChownTest {
    private static final UserNamespace PODMAN_DEFAULT = UserNamespace.of(
            List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 100000, 65536)),
            List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 100000, 4096)));

    @Test
    void theChildHoldsOnlyThePipeWaitsForTheMapsThenChownsByNameInDirectoriesOpenedWithoutFollowingLinks() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = MappedChown.program(arena, 7, Path.of("/s/layer"), List.of(
                    new MappedChown.Change("", 0, 0, -1),
                    new MappedChown.Change("srv", 33, 33, -1),
                    new MappedChown.Change("usr/bin/su", 0, 42, 04755),
                    new MappedChown.Change("usr/bin/passwd", 1, 1, -1)), false);
            List<String> lines = p.toString().lines().filter(l -> !l.strip().startsWith("--")).toList(); // steps only
            String plan = p.toString();
            assertEquals(12, lines.size(), plan);
            assertTrue(lines.get(0).contains("close_range(0, 6, 0)"), plan);
            assertTrue(lines.get(1).contains("close_range(8, ~0U, 0)"), plan);
            assertTrue(lines.get(2).contains("read(7, buf, 1)") && lines.get(2).contains("0 fails"), plan);
            assertTrue(lines.get(3).contains("openat(AT_FDCWD, \"/s/layer\", O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC|O_PATH")
                    && lines.get(3).contains("gets fd 0"), plan);
            assertTrue(lines.get(4).contains("fchownat(0, \"\", 0, 0, AT_EMPTY_PATH)"), plan);
            assertTrue(lines.get(5).contains("fchownat(0, \"srv\", 33, 33, AT_SYMLINK_NOFOLLOW)"), plan);
            assertTrue(lines.get(6).contains("openat2(0, \"usr/bin\"") && lines.get(6).contains("RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS")
                    && lines.get(6).contains("gets fd 1"), plan);
            assertTrue(lines.get(7).contains("fchownat(1, \"su\", 0, 42, AT_SYMLINK_NOFOLLOW)"), plan);
            assertTrue(lines.get(8).contains("fchmodat(1, \"su\", 04755)"), plan);
            assertTrue(lines.get(9).contains("fchownat(1, \"passwd\", 1, 1, AT_SYMLINK_NOFOLLOW)"), plan);
            assertTrue(lines.get(10).contains("close(1)"), plan);
            assertTrue(lines.get(11).contains("exit(0)"), plan);
            assertFalse(plan.contains("skips"), "a change that fails stops the child: " + plan);
        }
    }

    @Test
    void givingBackSkipsWhatIsGoneSoThatAHalfDeletedTreeCanBeDeletedAgain() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = MappedChown.program(arena, 3, Path.of("/s"), List.of(
                    new MappedChown.Change("x", 0, 0, -1), new MappedChown.Change("d/y", 0, 0, -1),
                    new MappedChown.Change("d/z", 0, 0, -1)), true);
            List<String> lines = p.toString().lines().toList();
            String plan = p.toString();
            assertTrue(lines.stream().anyMatch(l -> l.contains("fchownat(0, \"x\", 0, 0") && l.contains("skips 0 if missing")), plan);
            assertTrue(lines.stream().anyMatch(l -> l.contains("openat2(0, \"d\"") && l.contains("skips 3 if missing")), plan);
        }
    }

    @Test
    void theDefaultMapHoldsIdsFromZeroToItsCount() {
        MappedChown c = new MappedChown(PODMAN_DEFAULT, new IdMapWriter(new IdMapWriter.Caller(1000, 1000, false, false),
                List.of()));
        assertTrue(c.mapsUid(0) && c.mapsUid(65536));
        assertFalse(c.mapsUid(65537));
        assertTrue(c.mapsGid(4096));
        assertFalse(c.mapsGid(4097));
        assertEquals(65537, c.uidCount());
        assertEquals(4097, c.gidCount());
    }

    @Test
    void aChangeNeedsAPathInsideTheTree() {
        assertThrows(IllegalArgumentException.class, () -> new MappedChown.Change("/abs", 1, 1, -1));
        assertThrows(IllegalArgumentException.class, () -> new MappedChown.Change("a/../../b", 1, 1, -1));
    }
}
