package dev.hako.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecFilesTest {

    @TempDir
    Path dir;

    @Test
    void anExistingConfigIsNeverReplaced() throws Exception {
        Path config = Files.writeString(dir.resolve("config.json"), "mine");
        CliTesting.Result r = CliTesting.run(dir, "spec");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("File config.json exists. Remove it first"), r.err());
        assertEquals("mine", Files.readString(config));
        CliTesting.Result viaBundle = CliTesting.run(Path.of("/"), "spec", "--bundle", dir.toString());
        assertEquals(1, viaBundle.code());
        assertEquals("mine", Files.readString(config));
    }

    @Test
    void aSymbolicLinkInItsPlaceIsNotWrittenThrough() throws Exception {
        Path target = dir.resolve("elsewhere");
        Files.createSymbolicLink(dir.resolve("config.json"), target);
        CliTesting.Result r = CliTesting.run(dir, "spec", "-b", ".");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("File config.json exists"), r.err());
        assertFalse(Files.exists(target));
    }

    @Test
    void aMissingBundleIsNamed() {
        CliTesting.Result r = CliTesting.run(dir, "spec", "--bundle", "nope");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("chdir " + dir.resolve("nope") + ": no such file or directory"), r.err());
    }

    /** spec writes a config.json that the spec model reads back; --rootless gives a user namespace. */
    @Test
    void specWritesAConfigThatParsesAndRootlessChangesIt() throws Exception {
        CliTesting.Result spec = CliTesting.run(dir, "spec");
        assertEquals(0, spec.code(), spec.err());
        dev.hako.spec.Spec written = dev.hako.spec.Spec.parse(Files.readAllBytes(dir.resolve("config.json")));
        assertFalse(written.linux().namespaces().stream().anyMatch(n -> n.type().equals("user")));
        Path rootless = Files.createDirectory(dir.resolve("rootless"));
        CliTesting.Result r = CliTesting.run(dir, "spec", "--rootless", "-b", rootless.toString());
        assertEquals(0, r.code(), r.err());
        dev.hako.spec.Spec other = dev.hako.spec.Spec.parse(Files.readAllBytes(rootless.resolve("config.json")));
        assertTrue(other.linux().namespaces().stream().anyMatch(n -> n.type().equals("user")));
        CliTesting.Result features = CliTesting.run(dir, "features");
        assertEquals(0, features.code(), features.err());
        assertTrue(features.out().contains("\"ociVersionMax\""), features.out());
    }
}
