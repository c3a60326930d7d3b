package dev.hako.it;

import dev.hako.ContainerException;
import dev.hako.Mount;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static dev.hako.testing.Containers.builder;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A setup step that fails in the child names what it set up and the option, from the step alone. */
@KernelTest
class SetupFailureIT {

    @Test
    void aWorkingDirectoryThatIsAFileNamesWorkingDir() {
        ContainerException e = assertThrows(ContainerException.class,
                () -> builder().workingDir("/etc/passwd").command("/bin/true").run());
        assertTrue(e.getMessage().contains("failed at the working directory /etc/passwd (workingDir): chdir(\"/etc/passwd\"): ENOTDIR"),
                e.getMessage());
    }

    @Test
    void aBindOntoAPathThatCannotBeMadeNamesTheMount() {
        // /etc/passwd is a file: no directory can be made below it to mount onto.
        ContainerException e = assertThrows(ContainerException.class, () -> builder()
                .mount(Mount.bind(Path.of("/tmp"), "/etc/passwd/inside")).command("/bin/true").run());
        assertTrue(e.getMessage().contains("failed at bind /tmp (host) at /etc/passwd/inside (mount)"), e.getMessage());
    }
}
