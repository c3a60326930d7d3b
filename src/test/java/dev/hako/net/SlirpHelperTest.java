package dev.hako.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlirpHelperTest {

    @Test
    void slirp4netnsIsPreferredAndPastaTakesOverWhenItIsMissing(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        executable(b.resolve("pasta"));
        assertEquals(SlirpHelper.PASTA, SlirpHelper.preferred(List.of(a, b)));
        executable(a.resolve("slirp4netns"));
        assertEquals(SlirpHelper.SLIRP4NETNS, SlirpHelper.preferred(List.of(a, b)));
        assertEquals(Optional.of(b.resolve("pasta")), SlirpHelper.PASTA.find(List.of(a, b)));
    }

    @Test
    void neitherInstalledNamesBothPackages(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("slirp4netns"), "not executable");
        Files.createDirectory(dir.resolve("pasta")); // a directory is no program
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SlirpHelper.preferred(List.of(dir)));
        assertTrue(e.getMessage().contains("install the package slirp4netns"), e.getMessage());
        assertTrue(e.getMessage().contains("passt"), e.getMessage());
    }

    @Test
    void theSearchIsPathThenTheUsualDirectoriesAndNeverARelativeEntry() {
        List<Path> dirs = SlirpHelper.searchPath("/opt/bin::bin:/usr/bin");
        assertEquals(Path.of("/opt/bin"), dirs.getFirst());
        assertTrue(dirs.containsAll(SlirpHelper.USUAL_DIRECTORIES), dirs.toString());
        assertTrue(dirs.stream().allMatch(Path::isAbsolute), dirs.toString());
        assertEquals(1, dirs.stream().filter(d -> d.equals(Path.of("/usr/bin"))).count(), "no duplicates");
        assertEquals(SlirpHelper.USUAL_DIRECTORIES, SlirpHelper.searchPath(null));
    }

    @Test
    void theMessageNamesThePackageOfEach() {
        assertEquals("passt", SlirpHelper.PASTA.debianPackage());
        assertEquals("slirp4netns", SlirpHelper.SLIRP4NETNS.debianPackage());
    }

    private static void executable(Path file) throws Exception {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
