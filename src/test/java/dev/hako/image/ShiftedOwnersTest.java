package dev.hako.image;

import dev.hako.userns.MappedChown;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record of a layer's files given to subordinate ids: written, read back, and refused when it is not one. */
class ShiftedOwnersTest {
    @TempDir
    Path dir;

    @Test
    void pathsRoundTripAsTheTreeIsRenamedNamesWithNewlinesAndTheTreeItselfIncluded() throws IOException {
        Path tree = Files.createDirectory(dir.resolve(".tmp-1-abc"));
        ShiftedOwners.write(tree, List.of(change(""), change("srv"), change("srv/odd\nname with spaces")));
        Path renamed = dir.resolve("abc");
        ShiftedOwners.copy(tree, renamed);
        assertEquals(List.of("", "srv", "srv/odd\nname with spaces"), ShiftedOwners.read(renamed));
        assertEquals(ShiftedOwners.read(tree).size(), 3);
        try (var s = Files.list(dir)) {
            assertEquals(List.of(".tmp-1-abc", ".tmp-1-abc.owners", "abc.owners"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file is left");
        }
    }

    @Test
    void aTreeWithoutARecordHasNothingToGiveBack() throws IOException {
        assertEquals(List.of(), ShiftedOwners.read(dir.resolve("none")));
        assertTrue(ShiftedOwners.isRecord("abc.owners"));
        assertFalse(ShiftedOwners.isRecord("abc"));
    }

    @Test
    void aRecordThatIsNotOneIsRefused() throws IOException {
        Path tree = dir.resolve("t");
        Files.writeString(ShiftedOwners.of(tree), "garbage");
        assertTrue(assertThrows(ImageException.class, () -> ShiftedOwners.read(tree)).getMessage()
                .contains("is not a record"));
        Files.write(ShiftedOwners.of(tree), "hako shifted owners 1\n../../etc/passwd\0".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(ImageException.class, () -> ShiftedOwners.read(tree)).getMessage()
                .contains("not a path inside"));
        Files.write(ShiftedOwners.of(tree), "hako shifted owners 1\n/etc/passwd\0".getBytes(StandardCharsets.UTF_8));
        assertThrows(ImageException.class, () -> ShiftedOwners.read(tree));
        Files.write(ShiftedOwners.of(tree), "hako shifted owners 1\nunterminated".getBytes(StandardCharsets.UTF_8));
        assertThrows(ImageException.class, () -> ShiftedOwners.read(tree));
        Files.delete(ShiftedOwners.of(tree));
        Files.createSymbolicLink(ShiftedOwners.of(tree), Path.of("/etc/passwd"));
        assertTrue(assertThrows(ImageException.class, () -> ShiftedOwners.read(tree)).getMessage()
                .contains("not a regular file"));
    }

    @Test
    void aChangeOutsideTheTreeCannotBeMade() {
        for (String bad : List.of("/etc", "../x", "a/../b", "a//b", "a/", "./a")) {
            assertThrows(IllegalArgumentException.class, () -> change(bad), bad);
        }
    }

    private static MappedChown.Change change(String p) {
        return new MappedChown.Change(p, 33, 33, -1);
    }
}
