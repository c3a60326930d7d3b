package dev.hako.terminal;

import dev.hako.linux.FdSocket;
import dev.hako.linux.SyscallException;

import java.io.Closeable;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The socket pair over which a child hands the JVM its terminal's master, as runc's
 * {@code --console-socket} does: an {@link FdSocket}, whose child's end goes into the child
 * (and is closed in the JVM right after the clone) and whose JVM's end receives the master.
 * Both close-on-exec, so no other process the JVM starts holds them.
 */
public final class ConsoleSocket implements Closeable {
    private final FdSocket socket;

    private ConsoleSocket(FdSocket socket) {
        this.socket = socket;
    }

    public static ConsoleSocket open() throws SyscallException {
        return new ConsoleSocket(FdSocket.open());
    }

    /** The end the child takes over (the JVM's descriptor number, to dup into the child). */
    public int childEnd() {
        return socket.childEnd();
    }

    /** Closes the JVM's copy of the child's end: after the clone, the child holds its own. */
    public void closeChildEnd() {
        socket.closeChildEnd();
    }

    /**
     * Waits for the master. Empty when the child closed its end without sending one: it
     * failed a step before, or was killed (its results say which). Call only after
     * {@link #closeChildEnd()}, or a dead child's end stays open here and this never returns.
     *
     * @throws IOException when something other than one descriptor arrived
     */
    public Optional<TerminalMaster> receiveMaster() throws IOException {
        OptionalInt master = socket.receive("terminal descriptor");
        return master.isEmpty() ? Optional.empty() : Optional.of(new TerminalMaster(master.getAsInt()));
    }

    /** Closes both ends (the child's, if still open here). */
    @Override
    public void close() {
        socket.close();
    }
}
