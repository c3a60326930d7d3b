package dev.hako.it;

import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing of the host leaks into a container through descriptors, the working directory
 * or the environment: the JVM has dozens of fds open (jars, sockets, pipes), its own cwd
 * and environment, and none of it shows inside.
 */
@KernelTest
class FdHygieneIT {

    /** libc's {@code signal(2)}, to make the JVM ignore a signal it does not use. */
    private static final MethodHandle SIGNAL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("signal").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    @Test
    void aSignalTheJvmIgnoresIsAtItsDefaultInside() throws Throwable {
        int sigurg = linux_h.SIGURG(); // unused by HotSpot
        MemorySegment before = (MemorySegment) SIGNAL.invokeExact(sigurg, MemorySegment.ofAddress(1)); // SIG_IGN
        try {
            assertTrue(dev.hako.linux.Signals.ignoredByThisProcess().contains(sigurg), "the JVM ignores SIGURG now");
            String out = ok(builder().command("cat", "/proc/self/status").run());
            String ignored = out.lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow();
            assertEquals(0, Long.parseUnsignedLong(ignored.substring(7).strip(), 16),
                    "nothing ignored inside, as in a process exec'd by a fresh shell: " + ignored);
        } finally {
            MemorySegment restored = (MemorySegment) SIGNAL.invokeExact(sigurg, before);
        }
    }

    @Test
    void onlyStdioIsOpenInTheContainer() throws Exception {
        // ls's own fds: 0, 1, 2 and the directory it is reading (3), nothing else.
        assertEquals("0\n1\n2\n3\n", ok(builder().command("/bin/ls", "/proc/self/fd").run()));
        // PID 1 (the shell, kept alive by the second command) as execve left it: no fd of
        // the JVM, none of the sync or error pipes.
        assertEquals("0\n1\n2\n", ok(builder().command("/bin/sh", "-c", "ls /proc/1/fd; true").run()));
        assertEquals("0\n1\n2\n3\n", ok(builder().command("/bin/ls", "/proc/self/fd").run()),
                "the same with a different container, as often as it starts");
    }

    @Test
    void passedDescriptorsAreOpenAtTheirNumbersAndNothingElse() throws Exception {
        int[] pipe = Libc.pipe2(linux_h.O_CLOEXEC());
        try {
            assertEquals("0\n1\n2\n3\n7\n", ok(builder().passFd(3, pipe[0]).passFd(7, pipe[1])
                    .command("/bin/sh", "-c", "ls /proc/1/fd; true").run()), "none of hako's own descriptors either");
            assertEquals("0\r\n1\r\n10\r\n2\r\n", ok(builder().terminal(true).passFd(10, pipe[0])
                    .command("/bin/sh", "-c", "ls -1 /proc/1/fd; true").run()),
                    "with a terminal too: neither its master nor the socket that carried it");
        } finally {
            Libc.close(pipe[0]);
            Libc.close(pipe[1]);
        }
    }

    @Test
    void theCommandStartsInItsWorkingDirectory() throws Exception {
        assertEquals("/tmp\n/tmp\n", ok(builder().workingDir("/tmp").command("/bin/sh", "-c",
                "readlink /proc/1/cwd; readlink /proc/self/cwd").run()));
        assertEquals("/\n", ok(builder().command("/bin/readlink", "/proc/1/cwd").run()), "the default is /");
    }

    @Test
    void theEnvironmentIsTheDefaultsPlusWhatWasSet() throws Exception {
        String environ = ok(builder().hostname("envbox").env("GREETING", "hello")
                .command("/bin/cat", "/proc/1/environ").run());
        Map<String, String> env = new TreeMap<>();
        for (String line : environ.split("\0")) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOSTNAME", "envbox", "HOME", "/root", "GREETING", "hello"), env);
        assertEquals(List.of("GREETING", "HOME", "HOSTNAME", "PATH"), List.copyOf(env.keySet()),
                "none of the JVM's own environment (" + System.getenv().keySet() + ") is passed on");
    }
}
