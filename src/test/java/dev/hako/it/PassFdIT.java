package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;
import dev.hako.Rootfs;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * passFd(...): descriptors of the JVM's reach the container at the numbers given, as the
 * same open files (a pipe, a file, a listening socket), and work there; the JVM keeps none
 * of its own copies.
 */
@KernelTest
class PassFdIT {

    @TempDir
    Path tmp;

    @Test
    void aPipeEachWayAndAFileAreUsableAtTheirNumbers() throws Exception {
        ok(builder().command("/bin/true").run()); // warm-up: hako's own threads and classes belong to "before"
        JvmResources before = JvmResources.snapshot();
        int[] toContainer = Libc.pipe2(linux_h.O_CLOEXEC());
        int[] fromContainer = Libc.pipe2(linux_h.O_CLOEXEC());
        Path file = Files.writeString(tmp.resolve("passed.txt"), "first line\n");
        int fileFd = Libc.openat2(linux_h.AT_FDCWD(), file.toString(),
                linux_h.O_RDWR() | linux_h.O_APPEND() | linux_h.O_CLOEXEC(), 0);
        try (Arena arena = Arena.ofConfined()) {
            byte[] text = "from the JVM\n".getBytes(StandardCharsets.UTF_8);
            Libc.writeFully(toContainer[1], arena.allocate(text.length).copyFrom(MemorySegment.ofArray(text)));
        }
        Libc.close(toContainer[1]);
        String inside;
        try (Container c = builder().passFd(3, toContainer[0]).passFd(5, fromContainer[1]).passFd(7, fileFd)
                .command("/bin/sh", "-c", "cat <&3; echo to-the-jvm >&5; head -n 1 <&7; echo appended >&7").build()) {
            ContainerProcess p = c.start();
            // The container has its own copies now: the JVM's may go, and the pipe's EOF
            // below then comes from the container closing its end.
            Libc.close(toContainer[0]);
            Libc.close(fromContainer[1]);
            Libc.close(fileFd);
            inside = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), inside);
        }
        try (InputStream back = new FileInputStream("/proc/self/fd/" + fromContainer[0])) {
            assertEquals("to-the-jvm\n", new String(back.readAllBytes(), StandardCharsets.UTF_8));
        }
        Libc.close(fromContainer[0]);
        assertEquals("from the JVM\nfirst line\n", inside, "fd 3 is the pipe; fd 7 the file, read from its start");
        assertEquals("first line\nappended\n", Files.readString(file), "written through fd 7, O_APPEND kept");
        JvmResources.assertNoLeakSince(before);
    }

    @Test
    void aListeningSocketAcceptsInside() throws Exception {
        // Accepting needs a program that calls accept(2) on an fd it inherits: the host's perl
        // (perl-base, essential on Debian) in a container on the host's read-only directories.
        Path perl = Path.of("/usr/bin/perl");
        assertTrue(Files.isExecutable(perl), "this test runs the host's perl in the container: apt-get install perl-base");
        Path socketPath = tmp.resolve("listen.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        int listening = fdOfUnixSocket(socketPath);
        // select first: the JDK may have made the socket non-blocking, and the client connects later
        String accept = "open(my $l, '<&=', 3) or die \"fd 3: $!\"; vec(my $r = '', 3, 1) = 1;"
                + " select($r, undef, undef, undef); accept(my $c, $l) or die \"accept: $!\";"
                + " syswrite($c, \"accepted inside\\n\"); close($c)";
        try (Container c = builder().rootfs(Rootfs.host()).passFd(3, listening)
                .command("/usr/bin/perl", "-e", accept).build()) {
            ContainerProcess p = c.start();
            server.close(); // only the container holds the listening socket now
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
                ByteBuffer got = ByteBuffer.allocate(64);
                while (client.read(got) >= 0) {
                    // until the container closes the connection
                }
                assertEquals("accepted inside\n", new String(got.array(), 0, got.position(), StandardCharsets.UTF_8));
            }
            assertEquals(0, p.waitFor(), () -> stderr(p));
        }
    }

    @Test
    void aHostFdClosedBetweenBuildAndStartFailsTheStartNamingIt() throws Exception {
        int[] pipe = Libc.pipe2(linux_h.O_CLOEXEC());
        Container c = builder().passFd(3, pipe[0]).command("/bin/true").build();
        Libc.close(pipe[0]);
        Libc.close(pipe[1]);
        ContainerException e = assertThrows(ContainerException.class, c::start);
        assertTrue(e.getMessage().contains("passFd(3, " + pipe[0] + ")"), e.getMessage());
        c.close();
    }

    private static String stderr(ContainerProcess p) {
        try {
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * The JVM's fd of the Unix socket bound at {@code path}: the JDK does not say, so it is
     * found as the kernel lists it, by the socket's inode (/proc/net/unix) among this
     * process's fds.
     */
    static int fdOfUnixSocket(Path path) throws IOException {
        String inode = null;
        for (String line : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[7].equals(path.toString())) {
                inode = f[6];
            }
        }
        assertTrue(inode != null, "no socket bound at " + path + " in /proc/net/unix");
        String link = "socket:[" + inode + "]";
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(link)) {
                        return Integer.parseInt(fd.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        throw new AssertionError("no fd of this JVM is " + link);
    }
}
