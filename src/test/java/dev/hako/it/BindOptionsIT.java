package dev.hako.it;

import dev.hako.Mount;
import dev.hako.cli.MinimalRootfs;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestRootfs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** nosuid, nodev and noexec on binds, as the kernel enforces them. */
@KernelTest
class BindOptionsIT {
    private static Path dir;

    @BeforeAll
    static void aDirectoryWithAProgram() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("basedir", ".")).resolve("target"), "bind-options-");
        // The rootfs's own shell: it runs inside the container, with the rootfs's libraries.
        Files.copy(TestRootfs.host("/bin/sh").toRealPath(), dir.resolve("sh"), StandardCopyOption.COPY_ATTRIBUTES);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        MinimalRootfs.delete(dir);
    }

    private static final String TRY = "/x/sh -c 'echo ran'; echo \"rc=$?\"; grep ' /x ' /proc/self/mountinfo";

    @Test
    void noExecStopsProgramsOnTheBind() throws Exception {
        String out = ok(builder().mount(Mount.bind(dir, "/x").noExec()).command("/bin/sh", "-c", TRY).run());
        assertTrue(out.startsWith("rc=126\n"), "exec from a noexec bind must fail with EACCES (126):\n" + out);
        assertTrue(out.contains("noexec"), out);
    }

    @Test
    void withoutNoExecTheSameProgramRuns() throws Exception {
        String out = ok(builder().mount(Mount.bind(dir, "/x")).command("/bin/sh", "-c", TRY).run());
        assertTrue(out.startsWith("ran\nrc=0\n"), out);
        assertTrue(!out.contains("noexec") && !out.contains("nosuid"), out);
    }

    @Test
    void allThreeAndReadOnlyTogether() throws Exception {
        String out = ok(builder().mount(Mount.bind(dir, "/x").readOnly().noSuid().noDev().noExec())
                .command("/bin/sh", "-c", "grep ' /x ' /proc/self/mountinfo; touch /x/new 2>/dev/null || echo read-only").run());
        String options = out.lines().findFirst().orElseThrow().split(" ")[5];
        assertEquals("ro,nosuid,nodev,noexec", options.replaceAll(",relatime|,noatime|,nodiratime", ""), out);
        assertTrue(out.endsWith("read-only\n"), out);
    }
}
