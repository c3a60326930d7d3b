package dev.hako.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hako.linux.FileCalls;
import dev.hako.linux.linux_h;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OCI runtime through its command, each call its own JVM as engines make them: the
 * lifecycle across processes (a created container outlives the create's JVM and waits before
 * its execve until start), and bad bundles, which fail with runc's exit code and a message
 * naming the JSON path, and leave --root as it was.
 */
@KernelTest
class OciRuntimeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private Path root;
    private Path bundle;

    @BeforeEach
    void bundle() throws Exception {
        dir = Files.createTempDirectory("hako-oci-it-");
        root = dir.resolve("root");
        bundle = Files.createDirectory(dir.resolve("bundle"));
        HakoCommand.Result spec = HakoCommand.run(root, "spec", "--bundle", bundle.toString());
        assertEquals(0, spec.code(), spec.toString());
        config(c -> {
            c.with("root").put("path", TestRootfs.path().toString());
            ObjectNode process = c.with("process");
            process.put("terminal", false);
            args(process, "/bin/sleep", "1000");
            c.with("linux").put("cgroupsPath", "/hako-oci-it/" + dir.getFileName());
        });
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (Files.isDirectory(root)) {
            try (Stream<Path> ids = Files.list(root)) {
                for (Path id : ids.toList()) {
                    HakoCommand.run(root, "delete", "--force", id.getFileName().toString());
                }
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private interface Edit {
        void apply(ObjectNode config) throws Exception;
    }

    private void config(Edit edit) throws Exception {
        Path file = bundle.resolve("config.json");
        ObjectNode c = (ObjectNode) JSON.readTree(file.toFile());
        edit.apply(c);
        JSON.writeValue(file.toFile(), c);
    }

    private static void args(ObjectNode process, String... args) {
        ArrayNode a = process.putArray("args");
        for (String s : args) {
            a.add(s);
        }
    }

    private HakoCommand.Result hako(String... args) throws Exception {
        return HakoCommand.run(root, args);
    }

    private JsonNode state(String id) throws Exception {
        HakoCommand.Result r = hako("state", id);
        assertEquals(0, r.code(), r.toString());
        return JSON.readTree(r.stdout());
    }

    private static String comm(long pid) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    }

    @Test
    void aCreatedContainerOutlivesItsCreatorAndRunsOnlyOnceStarted() throws Exception {
        Path pidFile = dir.resolve("pid");
        HakoCommand.Result create = hako("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "c1");
        assertEquals(0, create.code(), create.toString());
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        JsonNode created = state("c1");
        assertEquals("created", created.path("status").asText());
        assertEquals(pid, created.path("pid").asLong());
        assertEquals(bundle.toString(), created.path("bundle").asText());
        // The create's JVM has exited; its child lives on, waiting before its execve (not sleep yet).
        assertTrue(Files.exists(Path.of("/proc/" + pid)), "the created process died with its creator");
        assertFalse(comm(pid).equals("sleep"), "it exec'd before start");

        HakoCommand.Result start = hako("start", "c1");
        assertEquals(0, start.code(), start.toString());
        assertEquals("running", state("c1").path("status").asText());
        for (int i = 0; i < 100 && !comm(pid).equals("sleep"); i++) {
            Thread.sleep(20);
        }
        assertEquals("sleep", comm(pid));
        HakoCommand.Result again = hako("start", "c1");
        assertEquals(1, again.code());
        assertTrue(again.stderr().contains("cannot start an already running container"), again.toString());

        HakoCommand.Result ps = hako("ps", "--format", "json", "c1");
        assertEquals(0, ps.code(), ps.toString());
        assertTrue(JSON.readTree(ps.stdout()).toString().contains(Long.toString(pid)), ps.stdout());

        HakoCommand.Result exec = hako("exec", "c1", "/bin/sh", "-c", "echo in-$(hostname); exit 7");
        assertEquals(7, exec.code(), exec.toString());
        assertTrue(exec.stdout().startsWith("in-"), exec.toString());

        assertEquals(0, hako("pause", "c1").code());
        assertEquals("paused", state("c1").path("status").asText());
        assertEquals(0, hako("resume", "c1").code());
        assertEquals("running", state("c1").path("status").asText());

        HakoCommand.Result refused = hako("delete", "c1");
        assertEquals(1, refused.code());
        assertTrue(refused.stderr().contains("cannot delete container c1 that is not stopped: running"), refused.toString());

        assertEquals(0, hako("kill", "c1", "KILL").code());
        for (int i = 0; i < 100 && !state("c1").path("status").asText().equals("stopped"); i++) {
            Thread.sleep(20);
        }
        assertEquals("stopped", state("c1").path("status").asText());
        assertEquals(0, hako("delete", "c1").code());
        assertFalse(Files.exists(root.resolve("c1")));
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory/hako-oci-it/" + dir.getFileName())),
                "its cgroup stayed");
        HakoCommand.Result gone = hako("state", "c1");
        assertEquals(1, gone.code());
        assertTrue(gone.stderr().contains("does not exist"), gone.toString());
    }

    @Test
    void runPassesTheExitCodeThroughAndLeavesNothing() throws Exception {
        config(c -> args(c.with("process"), "/bin/sh", "-c", "echo out; exit 42"));
        HakoCommand.Result run = hako("run", "--bundle", bundle.toString(), "r1");
        assertEquals(42, run.code(), run.toString());
        assertEquals("out\n", run.stdout());
        assertFalse(Files.exists(root.resolve("r1")));
    }

    @Test
    void anIdInUseIsRefused() throws Exception {
        assertEquals(0, hako("create", "--bundle", bundle.toString(), "twice").code());
        HakoCommand.Result second = hako("create", "--bundle", bundle.toString(), "twice");
        assertEquals(1, second.code());
        assertTrue(second.stderr().contains("container with id twice already exists"), second.toString());
        assertEquals("created", state("twice").path("status").asText(), "the first one is untouched");
    }

    /** A bad bundle: exit 1, its message, and --root as it was (no directory for the id). */
    private void refused(String expected) throws Exception {
        HakoCommand.Result r = hako("create", "--bundle", bundle.toString(), "bad");
        assertEquals(1, r.code(), r.toString());
        // stderr has logrus' text lines, whose msg="..." escapes the quotes within
        assertTrue(r.stderr().replace("\\\"", "\"").contains(expected), "expected [" + expected + "] in " + r);
        assertFalse(Files.exists(root.resolve("bad")), "--root changed: " + root.resolve("bad"));
    }

    @Test
    void aMissingConfigIsNamed() throws Exception {
        Files.delete(bundle.resolve("config.json"));
        refused("open " + bundle.resolve("config.json") + ": no such file or directory");
    }

    @Test
    void invalidJsonIsNamedWithItsLine() throws Exception {
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\": \"1.2.0\",\n \"root\": {\"path\": }");
        refused("at line 2, column 19");
    }

    @Test
    void anUnsupportedVersionIsNamed() throws Exception {
        config(c -> c.put("ociVersion", "2.0.0"));
        refused("ociVersion: \"2.0.0\" is not supported");
    }

    @Test
    void aBadValueIsNamedByItsJsonPath() throws Exception {
        config(c -> c.with("linux").with("resources").with("memory").put("limit", -5));
        refused("linux.resources.memory.limit: -5 is not a size");
    }

    @Test
    void aRootOutsideTheBundleThatDoesNotExistIsNamed() throws Exception {
        config(c -> c.with("root").put("path", dir.resolve("no-such-rootfs").toString()));
        refused("no-such-rootfs");
    }

    @Test
    void aNamespacePathThatIsNotANamespaceIsNamed() throws Exception {
        Path plain = Files.writeString(dir.resolve("not-a-namespace"), "x");
        config(c -> {
            ArrayNode ns = c.with("linux").putArray("namespaces");
            for (String t : List.of("pid", "ipc", "uts", "mount")) {
                ns.addObject().put("type", t);
            }
            ns.addObject().put("type", "network").put("path", plain.toString());
        });
        refused(plain + " is not a namespace file");
    }

    @Test
    void aConfigThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
        Files.delete(bundle.resolve("config.json"));
        FileCalls.mknod(bundle.resolve("config.json"), linux_h.S_IFIFO() | 0600, 0);
        refused("is a FIFO, not a regular file");
    }

    @Test
    void aMissingCommandFailsCreateWithRuncsWords() throws Exception {
        config(c -> args(c.with("process"), "no-such-command"));
        refused("exec: \"no-such-command\": executable file not found in $PATH");
        config(c -> args(c.with("process"), "/etc/passwd"));
        refused("exec: \"/etc/passwd\": permission denied");
    }
}
