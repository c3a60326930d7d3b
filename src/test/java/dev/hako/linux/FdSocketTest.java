package dev.hako.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Descriptors over an {@link FdSocket}, both ways, within this JVM: what the JVM sends is
 * what a receiver gets (the same open file, close-on-exec), one per receive and in order;
 * the end of the stream and a byte without a descriptor are told apart. No root needed.
 */
class FdSocketTest {

    /** One receive on the child's end, as the child's recvmsg step does it. */
    private static OptionalInt receiveOnChildEnd(FdSocket socket) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = FdSocket.receivingMessage(arena);
            long n = Libc.recvmsg(socket.childEnd(), msg, linux_h.MSG_CMSG_CLOEXEC());
            return n == 0 ? OptionalInt.empty() : FdSocket.receivedFd(msg);
        }
    }

    private static void write(int fd, String text) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Libc.writeFully(fd, arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes)));
        }
    }

    private static String read(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            long n = Libc.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    private static boolean closeOnExec(int fd) throws IOException {
        String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).get(1);
        return (Integer.parseInt(flags.substring("flags:".length()).trim(), 8) & linux_h.O_CLOEXEC()) != 0;
    }

    @Test
    void whatTheJvmSendsArrivesAsTheSameOpenFileOnePerReceiveInOrder() throws Exception {
        int[] first = Libc.pipe2(linux_h.O_CLOEXEC());
        int[] second = Libc.pipe2(linux_h.O_CLOEXEC());
        try (FdSocket socket = FdSocket.open()) {
            socket.send(first[1]);
            socket.send(second[1]);
            Libc.close(first[1]); // the message holds the open file until it is received
            Libc.close(second[1]);
            int a = receiveOnChildEnd(socket).orElseThrow();
            int b = receiveOnChildEnd(socket).orElseThrow();
            assertTrue(closeOnExec(a) && closeOnExec(b), "MSG_CMSG_CLOEXEC");
            write(a, "first");
            write(b, "second");
            Libc.close(a);
            Libc.close(b);
            assertEquals("first", read(first[0]));
            assertEquals("second", read(second[0]));
        } finally {
            Libc.closeQuietly(first[0]);
            Libc.closeQuietly(second[0]);
        }
    }

    @Test
    void theJvmReceivesWhatTheChildSendsAndSeesTheEndOfTheStream() throws Exception {
        int[] pipe = Libc.pipe2(linux_h.O_CLOEXEC());
        try (FdSocket socket = FdSocket.open(); Arena arena = Arena.ofConfined()) {
            // as a child's sendmsg step does it, with the message in the program's memory
            Libc.sendmsg(socket.childEnd(), FdSocket.messageCarrying(arena, pipe[1]), 0, "test");
            int received = socket.receive("pipe").orElseThrow();
            write(received, "back");
            Libc.close(received);
            Libc.close(pipe[1]);
            assertEquals("back", read(pipe[0]));
            socket.closeChildEnd();
            assertEquals(OptionalInt.empty(), socket.receive("pipe"), "no sender left: the end of the stream");
        } finally {
            Libc.closeQuietly(pipe[0]);
        }
    }

    @Test
    void aByteWithoutADescriptorIsNoDescriptor() throws Exception {
        try (FdSocket socket = FdSocket.open(); Arena arena = Arena.ofConfined()) {
            Libc.writeFully(socket.childEnd(), arena.allocate(1));
            IOException e = assertThrows(IOException.class, () -> socket.receive("mount descriptor"));
            assertTrue(e.getMessage().contains("1 byte(s) but no mount descriptor"), e.getMessage());
            Libc.writeFully(socket.parentEnd(), arena.allocate(1));
            assertEquals(OptionalInt.empty(), receiveOnChildEnd(socket));
        }
    }

    @Test
    void sendingToAChildThatIsGoneFailsWithEpipeAndNoSignal() throws Exception {
        try (FdSocket socket = FdSocket.open()) {
            socket.closeChildEnd();
            SyscallException e = assertThrows(SyscallException.class, () -> socket.send(0));
            assertEquals(linux_h.EPIPE(), e.errno(), e.getMessage());
            assertTrue(e.getMessage().startsWith("sendmsg(" + socket.parentEnd() + ", {[1 byte], SCM_RIGHTS [0]}"),
                    e.getMessage());
        }
    }

    @Test
    void bothEndsAreCloseOnExecAndClosedByClose() throws Exception {
        FdSocket socket = FdSocket.open();
        int parent = socket.parentEnd();
        int child = socket.childEnd();
        assertTrue(closeOnExec(parent) && closeOnExec(child));
        socket.close();
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + parent)));
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + child)));
        assertEquals(-1, socket.childEnd());
    }
}
