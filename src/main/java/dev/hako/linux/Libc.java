package dev.hako.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The C library calls the parent side makes, over the generated bindings, with errno
 * captured: jextract-style handles lose errno, so each function used here is linked again
 * with {@code captureCallState("errno")} and a failure becomes a {@link SyscallException}
 * naming the call and its arguments.
 *
 * <p>Only the parent (the JVM) calls these. The container's child never runs Java: its
 * work is a program of raw syscalls (see {@code dev.hako.spawn}).
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // Each downcall is linked on its first use, in a holder class of its own (whose constant
    // the JIT still folds): linking them all when the class loads cost every short-lived JVM,
    // like each call of the hako command, tens of milliseconds for calls it never makes.
    private static final class PIPE2 {
        static final MethodHandle H = link(linux_h.pipe2$address(), linux_h.pipe2$descriptor());
    }
    private static final class CLOSE {
        static final MethodHandle H = link(linux_h.close$address(), linux_h.close$descriptor());
    }
    private static final class READ {
        static final MethodHandle H = link(linux_h.read$address(), linux_h.read$descriptor());
    }
    private static final class WRITE {
        static final MethodHandle H = link(linux_h.write$address(), linux_h.write$descriptor());
    }
    private static final class MMAP {
        static final MethodHandle H = link(linux_h.mmap$address(), linux_h.mmap$descriptor());
    }
    private static final class MPROTECT {
        static final MethodHandle H = link(linux_h.mprotect$address(), linux_h.mprotect$descriptor());
    }
    private static final class WAITID {
        static final MethodHandle H = link(linux_h.waitid$address(), linux_h.waitid$descriptor());
    }
    private static final class PIDFD_OPEN {
        static final MethodHandle H = link(linux_h.pidfd_open$address(), linux_h.pidfd_open$descriptor());
    }
    private static final class PIDFD_SEND_SIGNAL {
        static final MethodHandle H = link(linux_h.pidfd_send_signal$address(), linux_h.pidfd_send_signal$descriptor());
    }
    private static final class EPOLL_CREATE1 {
        static final MethodHandle H = link(linux_h.epoll_create1$address(), linux_h.epoll_create1$descriptor());
    }
    private static final class EPOLL_CTL {
        static final MethodHandle H = link(linux_h.epoll_ctl$address(), linux_h.epoll_ctl$descriptor());
    }
    private static final class EPOLL_WAIT {
        static final MethodHandle H = link(linux_h.epoll_wait$address(), linux_h.epoll_wait$descriptor());
    }
    private static final class OPENDIR {
        static final MethodHandle H = link(linux_h.opendir$address(), linux_h.opendir$descriptor());
    }
    private static final class GETRLIMIT {
        static final MethodHandle H = link(linux_h.getrlimit$address(), linux_h.getrlimit$descriptor());
    }
    private static final class CLOSEDIR {
        static final MethodHandle H = link(linux_h.closedir$address(), linux_h.closedir$descriptor());
    }
    private static final class FSTAT {
        static final MethodHandle H = link(linux_h.fstat$address(), linux_h.fstat$descriptor());
    }
    private static final class FGETXATTR {
        static final MethodHandle H = link(linux_h.fgetxattr$address(), linux_h.fgetxattr$descriptor());
    }
    private static final class SOCKETPAIR {
        static final MethodHandle H = link(linux_h.socketpair$address(), linux_h.socketpair$descriptor());
    }
    private static final class RECVMSG {
        static final MethodHandle H = link(linux_h.recvmsg$address(), linux_h.recvmsg$descriptor());
    }
    private static final class SENDMSG {
        static final MethodHandle H = link(linux_h.sendmsg$address(), linux_h.sendmsg$descriptor());
    }
    private static final class POLL {
        static final MethodHandle H = link(linux_h.poll$address(), linux_h.poll$descriptor());
    }
    private static final class SOCKET {
        static final MethodHandle H = link(linux_h.socket$address(), linux_h.socket$descriptor());
    }
    private static final class SETSOCKOPT {
        static final MethodHandle H = link(linux_h.setsockopt$address(), linux_h.setsockopt$descriptor());
    }
    /**
     * {@code ioctl(fd, request, pointer)}: variadic in C, so not in the generated bindings;
     * linked here with its one variadic argument spelled out as a pointer.
     */
    private static final class IOCTL_POINTER {
        static final MethodHandle H = LINKER.downcallHandle(
                LINKER.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    }
    /**
     * The C library's {@code syscall(number, dirfd, path, how, size)}, for openat2, which
     * glibc has no wrapper for. {@code syscall} is variadic, which the generated bindings
     * leave out (see DESIGN.md), so it is linked here with its variadic part spelled out.
     */
    private static final class SYSCALL_OPENAT2 {
        static final MethodHandle H = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    /**
     * {@code syscall(number, a, b, c)} for calls whose glibc wrapper is variadic ({@code prctl},
     * {@code fcntl}) or that the bindings leave out ({@code setns}): integer arguments only.
     */
    private static final class SYSCALL_3 {
        static final MethodHandle H = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    /**
     * {@code syscall(number, a, b, c, d, e)}, integer (and pointer-as-address) arguments only:
     * for the new mount API ({@code mount_setattr}, {@code move_mount}), whose glibc wrappers
     * came only with glibc 2.36, newer than some of the systems hako runs on.
     */
    private static final class SYSCALL_5 {
        static final MethodHandle H = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    private Libc() {
    }

    /** One downcall, given the errno capture segment; returns the C result widened to long. */
    @FunctionalInterface
    interface Downcall {
        long invoke(MemorySegment errnoState) throws Throwable;
    }

    static MethodHandle link(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, Linker.Option.captureCallState("errno"));
    }

    /**
     * Runs {@code call}, retrying on EINTR; a negative result becomes a SyscallException
     * described by {@code what} (built only on failure).
     */
    static long call(Supplier<String> what, Downcall call) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            while (true) {
                long r = call.invoke(state);
                if (r >= 0) {
                    return r;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != linux_h.EINTR()) {
                    throw new SyscallException(what.get(), errno);
                }
            }
        } catch (SyscallException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall " + what.get() + " failed", t);
        }
    }

    /** {@code pipe2(flags)}: returns {read end, write end}. */
    public static int[] pipe2(int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            call(() -> "pipe2", s -> (int) PIPE2.H.invoke(s, fds, flags));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** {@code close(fd)}. Not retried: on Linux the fd is gone even when close reports EINTR. */
    public static void close(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) CLOSE.H.invoke(state, fd);
            int errno = (int) ERRNO.get(state, 0L);
            if (r < 0 && errno != linux_h.EINTR()) {
                throw new SyscallException("close(" + fd + ")", errno);
            }
        } catch (SyscallException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall close failed", t);
        }
    }

    /** Closes {@code fd} if it is not negative, ignoring errors: for cleanup paths. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (SyscallException ignored) {
                // Nothing sensible to do while already cleaning up after another failure.
            }
        }
    }

    /** {@code read(fd, buf, buf.byteSize())}; returns the count, 0 at end of file. */
    public static long read(int fd, MemorySegment buf) throws SyscallException {
        return call(() -> "read(" + fd + ")", s -> (long) READ.H.invoke(s, fd, buf, buf.byteSize()));
    }

    /** Writes all of {@code buf} to {@code fd}, going on after short writes. */
    public static void writeFully(int fd, MemorySegment buf) throws SyscallException {
        long done = 0;
        while (done < buf.byteSize()) {
            MemorySegment rest = buf.asSlice(done);
            done += call(() -> "write(" + fd + ")", s -> (long) WRITE.H.invoke(s, fd, rest, rest.byteSize()));
        }
    }

    /** One {@code write(fd, buf, buf.byteSize())}; returns how many bytes it wrote. */
    public static long write(int fd, MemorySegment buf) throws SyscallException {
        return call(() -> "write(" + fd + ")", s -> (long) WRITE.H.invoke(s, fd, buf, buf.byteSize()));
    }

    /** {@code socketpair(domain, type, 0)}: returns both ends. */
    public static int[] socketpair(int domain, int type) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            call(() -> "socketpair(" + domain + ", " + type + ")", s -> (int) SOCKETPAIR.H.invoke(s, domain, type, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** {@code recvmsg(fd, msg, flags)}: returns the count of data bytes, 0 when the peer has closed its end. */
    public static long recvmsg(int fd, MemorySegment msg, int flags) throws SyscallException {
        return call(() -> "recvmsg(" + fd + ")", s -> (long) RECVMSG.H.invoke(s, fd, msg, flags));
    }

    /** {@code sendmsg(fd, msg, flags)}: returns the count of data bytes sent; {@code what} describes the message in errors. */
    public static long sendmsg(int fd, MemorySegment msg, int flags, String what) throws SyscallException {
        return call(() -> "sendmsg(" + fd + ", " + what + ")", s -> (long) SENDMSG.H.invoke(s, fd, msg, flags));
    }

    /** {@code socket(domain, type, protocol)}: returns the new descriptor. */
    public static int socket(int domain, int type, int protocol) throws SyscallException {
        return (int) call(() -> "socket(" + domain + ", " + type + ", " + protocol + ")",
                s -> (int) SOCKET.H.invoke(s, domain, type, protocol));
    }

    /**
     * {@code bind(fd, address, address.byteSize())}. glibc declares the address as a transparent
     * union, which the bindings cannot express, so this is the raw system call.
     */
    public static void bind(int fd, MemorySegment address) throws SyscallException {
        syscall3(() -> "bind(" + fd + ")", linux_h.SYS_bind(), fd, address.address(), address.byteSize());
    }

    /** {@code connect(fd, address, address.byteSize())}: the raw system call, for the same reason as {@link #bind}. */
    public static void connect(int fd, MemorySegment address) throws SyscallException {
        syscall3(() -> "connect(" + fd + ")", linux_h.SYS_connect(), fd, address.address(), address.byteSize());
    }

    /**
     * {@code getsockname(fd, address, &length)} into {@code address}; returns the length the
     * kernel reports. The raw system call, for the same reason as {@link #bind}.
     */
    public static int getsockname(int fd, MemorySegment address) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, (int) address.byteSize());
            syscall3(() -> "getsockname(" + fd + ")", linux_h.SYS_getsockname(), fd, address.address(), length.address());
            return length.get(JAVA_INT, 0);
        }
    }

    /** {@code setsockopt(fd, level, name, &value, sizeof(int))}; {@code what} names the option in errors. */
    public static void setsockoptInt(int fd, int level, int name, int value, String what) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            call(() -> "setsockopt(" + fd + ", " + what + ", " + value + ")",
                    s -> (int) SETSOCKOPT.H.invoke(s, fd, level, name, v, (int) JAVA_INT.byteSize()));
        }
    }

    /**
     * {@code unshare(flags)} for the calling thread. Of the namespaces, a thread of the
     * multi-threaded JVM may unshare its network namespace (and UTS, IPC); mount and user
     * namespaces refuse a multi-threaded process.
     */
    public static void unshare(int flags) throws SyscallException {
        syscall3(() -> "unshare(" + Flags.render("CLONE_", flags) + ")", linux_h.SYS_unshare(), flags, 0, 0);
    }

    /** {@code poll(fds, count, timeout)}: returns how many entries have events ({@code -1}: no timeout). */
    public static int poll(MemorySegment fds, int count, int timeoutMillis) throws SyscallException {
        return (int) call(() -> "poll", s -> (int) POLL.H.invoke(s, fds, (long) count, timeoutMillis));
    }

    /** {@code ioctl(fd, request, NULL)}, for a request that answers with its return value (like {@code NS_GET_NSTYPE}). */
    public static int ioctlValue(int fd, long request, String what) throws SyscallException {
        return (int) call(() -> "ioctl(" + fd + ", " + what + ")",
                s -> (int) IOCTL_POINTER.H.invoke(s, fd, request, MemorySegment.NULL));
    }

    /** {@code ioctl(fd, request, arg)} with a pointer argument; {@code what} names the request in errors. */
    public static void ioctl(int fd, long request, String what, MemorySegment arg) throws SyscallException {
        call(() -> "ioctl(" + fd + ", " + what + ")", s -> (int) IOCTL_POINTER.H.invoke(s, fd, request, arg));
    }

    /** {@code mmap} of fresh anonymous private memory. */
    public static MemorySegment mmapAnonymous(long size, int prot) throws SyscallException {
        MemorySegment[] mapped = new MemorySegment[1];
        call(() -> "mmap(" + size + " bytes)", s -> {
            mapped[0] = (MemorySegment) MMAP.H.invoke(s, MemorySegment.NULL, size, prot,
                    linux_h.MAP_PRIVATE() | linux_h.MAP_ANONYMOUS(), -1, 0L);
            return mapped[0].address() == -1L ? -1 : 0; // MAP_FAILED
        });
        return mapped[0].reinterpret(size);
    }

    /** {@code mprotect(segment, prot)}. */
    public static void mprotect(MemorySegment segment, int prot) throws SyscallException {
        call(() -> "mprotect", s -> (int) MPROTECT.H.invoke(s, segment, segment.byteSize(), prot));
    }

    /**
     * {@code waitid(P_PIDFD, pidfd, info, options)}. With WNOHANG, a process that has not
     * changed state leaves {@code info} zeroed (si_pid 0).
     */
    public static void waitid(int pidfd, MemorySegment info, int options) throws SyscallException {
        call(() -> "waitid(P_PIDFD, " + pidfd + ")", s -> {
            info.fill((byte) 0);
            return (int) WAITID.H.invoke(s, linux_h.P_PIDFD(), pidfd, info, options);
        });
    }

    /** {@code pidfd_open(pid, 0)}: a descriptor that keeps naming this process even after its pid is reused. */
    public static int pidfdOpen(long pid) throws SyscallException {
        return (int) call(() -> "pidfd_open(" + pid + ", 0)", s -> (int) PIDFD_OPEN.H.invoke(s, (int) pid, 0));
    }

    /** {@code pidfd_send_signal(pidfd, signal, NULL, 0)}. */
    public static void pidfdSendSignal(int pidfd, int signal) throws SyscallException {
        call(() -> "pidfd_send_signal(" + pidfd + ", " + Signals.name(signal) + ")",
                s -> (int) PIDFD_SEND_SIGNAL.H.invoke(s, pidfd, signal, MemorySegment.NULL, 0));
    }

    /** {@code epoll_create1(flags)}. */
    public static int epollCreate1(int flags) throws SyscallException {
        return (int) call(() -> "epoll_create1", s -> (int) EPOLL_CREATE1.H.invoke(s, flags));
    }

    /** {@code epoll_ctl(epfd, op, fd, event)}. */
    public static void epollCtl(int epfd, int op, int fd, MemorySegment event) throws SyscallException {
        call(() -> "epoll_ctl(" + epfd + ", " + op + ", " + fd + ")",
                s -> (int) EPOLL_CTL.H.invoke(s, epfd, op, fd, event));
    }

    /** {@code epoll_wait(epfd, events, max, timeout)}. */
    public static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) throws SyscallException {
        return (int) call(() -> "epoll_wait(" + epfd + ")",
                s -> (int) EPOLL_WAIT.H.invoke(s, epfd, events, maxEvents, timeoutMillis));
    }

    /**
     * A directory opened read-only and close-on-exec, held as the C library's {@code DIR}
     * so that no variadic {@code open} is needed; {@link #fd()} is its descriptor.
     */
    public record OpenDirectory(MemorySegment dir, int fd) implements AutoCloseable {
        @Override
        public void close() {
            try {
                call(() -> "closedir", s -> (int) CLOSEDIR.H.invoke(s, dir));
            } catch (SyscallException ignored) {
                // closedir frees the DIR even when close reports an error.
            }
        }
    }

    /** {@code opendir(path)} and {@code dirfd}. */
    public static OpenDirectory openDirectory(String path) throws SyscallException {
        MemorySegment[] dir = new MemorySegment[1];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            call(() -> "opendir(" + path + ")", s -> {
                dir[0] = (MemorySegment) OPENDIR.H.invoke(s, cPath);
                return dir[0].address() == 0 ? -1 : 0;
            });
        }
        return new OpenDirectory(dir[0], linux_h.dirfd(dir[0]));
    }

    /**
     * {@code getrlimit(resource)} of this process (the JVM): {soft, hard}, with
     * {@code RLIM_INFINITY} as -1 (compare them unsigned).
     */
    public static long[] getrlimit(int resource) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(linux_h.HAKO_RLIMIT_SIZE(), 8);
            call(() -> "getrlimit(" + resource + ")", s -> (int) GETRLIMIT.H.invoke(s, resource, limit));
            return new long[] {limit.get(JAVA_LONG, linux_h.HAKO_RLIM_CUR()), limit.get(JAVA_LONG, linux_h.HAKO_RLIM_MAX())};
        }
    }

    /**
     * {@code openat2(dirfd, path, {flags, 0, resolve}, sizeof(struct open_how))}: returns
     * the new descriptor. {@code resolve} takes the {@code RESOLVE_*} bits, such as
     * {@code RESOLVE_IN_ROOT}, which resolves every component and symlink of {@code path}
     * as if {@code dirfd} were the root.
     */
    public static int openat2(int dirfd, String path, long flags, long resolve) throws SyscallException {
        return openat2(dirfd, path, flags, 0, resolve);
    }

    /** How often an openat2 confined to a root is tried again after the kernel saw a race. */
    private static final int RESOLVE_RETRIES = 100;

    /**
     * {@link #openat2(int, String, long, long)} with the {@code mode} of a file {@code O_CREAT} makes.
     * With {@code RESOLVE_IN_ROOT} or {@code RESOLVE_BENEATH}, the kernel fails with EAGAIN
     * when any rename or mount anywhere on the machine ran during the lookup (it cannot then
     * prove the path stayed inside); that is tried again, as openat2(2) asks, a bounded
     * number of times.
     */
    public static int openat2(int dirfd, String path, long flags, int mode, long resolve) throws SyscallException {
        boolean confined = (resolve & (linux_h.RESOLVE_IN_ROOT() | linux_h.RESOLVE_BENEATH())) != 0;
        for (int attempt = 1; ; attempt++) {
            try {
                return openat2Once(dirfd, path, flags, mode, resolve);
            } catch (SyscallException e) {
                if (!confined || e.errno() != linux_h.EAGAIN() || attempt >= RESOLVE_RETRIES) {
                    throw e;
                }
            }
        }
    }

    private static int openat2Once(int dirfd, String path, long flags, int mode, long resolve) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            MemorySegment how = open_how.allocate(arena);
            open_how.flags(how, flags);
            open_how.mode(how, mode);
            open_how.resolve(how, resolve);
            return (int) call(() -> "openat2(" + dirfd + ", " + path + ", {flags=" + Flags.openFlags((int) flags)
                            + ", resolve=0x" + Long.toHexString(resolve) + "})",
                    s -> (long) SYSCALL_OPENAT2.H.invoke(s, (long) linux_h.SYS_openat2(), (long) dirfd, cPath, how,
                            open_how.sizeof()));
        }
    }

    /**
     * {@code open_tree(AT_FDCWD, path, flags)}: with {@code OPEN_TREE_CLONE}, a detached copy
     * of the mount tree at {@code path} (with {@code AT_RECURSIVE}, of every mount below it
     * too), attached nowhere until a {@code move_mount}; gone when its last descriptor is
     * closed. Returns that descriptor.
     */
    public static int openTree(String path, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) syscall3(() -> "open_tree(AT_FDCWD, " + path + ", " + Flags.openTreeFlags(flags) + ")",
                    linux_h.SYS_open_tree(), linux_h.AT_FDCWD(), cPath.address(), flags & 0xFFFF_FFFFL);
        }
    }

    /**
     * {@code mount_setattr(fd, "", AT_EMPTY_PATH[|AT_RECURSIVE], {attr_set, userns_fd}, size)}
     * on the mount {@code fd} names (such as a detached copy from {@link #openTree}).
     * {@code usernsFd} is read only with {@code MOUNT_ATTR_IDMAP} in {@code attrSet}.
     * {@code what} names the mount in errors (the path it is a copy of).
     */
    public static void mountSetattr(int fd, boolean recursive, long attrSet, int usernsFd, String what)
            throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = arena.allocateFrom("");
            MemorySegment attr = arena.allocate(linux_h.HAKO_MOUNT_ATTR_SIZE(), 8); // zeroed: nothing cleared
            attr.set(JAVA_LONG, linux_h.HAKO_MOUNT_ATTR_SET(), attrSet);
            boolean idmap = (attrSet & linux_h.MOUNT_ATTR_IDMAP()) != 0;
            if (idmap) {
                attr.set(JAVA_LONG, linux_h.HAKO_MOUNT_ATTR_USERNS_FD(), usernsFd);
            }
            int flags = linux_h.AT_EMPTY_PATH() | (recursive ? linux_h.AT_RECURSIVE() : 0);
            call(() -> "mount_setattr(" + fd + " [" + what + "], \"\", AT_EMPTY_PATH" + (recursive ? "|AT_RECURSIVE" : "")
                            + ", {attr_set=" + Flags.render("MOUNT_ATTR_", attrSet)
                            + (idmap ? ", userns_fd=" + usernsFd : "") + "}, " + linux_h.HAKO_MOUNT_ATTR_SIZE() + ")",
                    s -> (long) SYSCALL_5.H.invoke(s, (long) linux_h.SYS_mount_setattr(), (long) fd, empty.address(),
                            (long) flags, attr.address(), (long) linux_h.HAKO_MOUNT_ATTR_SIZE()));
        }
    }

    /**
     * {@code move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH)}: attaches the
     * detached mount {@code fd} at {@code target} in the caller's mount namespace.
     */
    public static void moveMount(int fd, String target) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = arena.allocateFrom("");
            MemorySegment cTarget = arena.allocateFrom(target);
            call(() -> "move_mount(" + fd + ", \"\", AT_FDCWD, " + target + ", MOVE_MOUNT_F_EMPTY_PATH)",
                    s -> (long) SYSCALL_5.H.invoke(s, (long) linux_h.SYS_move_mount(), (long) fd, empty.address(),
                            (long) linux_h.AT_FDCWD(), cTarget.address(), (long) linux_h.MOVE_MOUNT_F_EMPTY_PATH()));
        }
    }

    private static long syscall3(Supplier<String> what, long nr, long a, long b, long c) throws SyscallException {
        return call(what, s -> (long) SYSCALL_3.H.invoke(s, nr, a, b, c));
    }

    /**
     * {@code setns(fd, nstype)} for the calling thread. Only the PID namespace can be joined
     * this way by a thread of the JVM (it changes the namespace of the thread's future
     * children only); mount and user namespaces refuse a multi-threaded process.
     */
    public static void setns(int fd, int nstype) throws SyscallException {
        syscall3(() -> "setns(" + fd + ", " + Flags.render("CLONE_", nstype) + ")", linux_h.SYS_setns(), fd, nstype, 0);
    }

    /** {@code prctl(option, arg)}; returns its result. */
    public static int prctl(int option, long arg) throws SyscallException {
        return (int) syscall3(() -> "prctl(" + option + ", " + arg + ")", linux_h.SYS_prctl(), option, arg, 0);
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a close-on-exec copy of {@code fd}. */
    public static int dupCloexec(int fd) throws SyscallException {
        return (int) syscall3(() -> "fcntl(" + fd + ", F_DUPFD_CLOEXEC, 0)", linux_h.SYS_fcntl(), fd,
                linux_h.F_DUPFD_CLOEXEC(), 0);
    }

    /** What {@code fstat} says about an open file: the fields hako reads. */
    public record FileStatus(long device, long inode, int mode, long rdev, long size) {
        /** The file type bits ({@code S_IFMT}) of {@link #mode}. */
        public int type() {
            return mode & linux_h.S_IFMT();
        }
    }

    /** {@code fstat(fd)}. */
    public static FileStatus fstat(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(linux_h.HAKO_STAT_SIZE(), 8);
            call(() -> "fstat(" + fd + ")", s -> (int) FSTAT.H.invoke(s, fd, st));
            return new FileStatus(st.get(JAVA_LONG, linux_h.HAKO_ST_DEV()), st.get(JAVA_LONG, linux_h.HAKO_ST_INO()),
                    st.get(JAVA_INT, linux_h.HAKO_ST_MODE()), st.get(JAVA_LONG, linux_h.HAKO_ST_RDEV()),
                    st.get(JAVA_LONG, linux_h.HAKO_ST_SIZE()));
        }
    }

    /**
     * {@code fgetxattr(fd, name)}: the attribute's value, or empty when the file has no
     * such attribute (ENODATA) or its filesystem has none at all (EOPNOTSUPP).
     */
    public static java.util.Optional<byte[]> fgetxattr(int fd, String name) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment value = arena.allocate(256);
            long n = call(() -> "fgetxattr(" + fd + ", " + name + ")",
                    s -> (long) FGETXATTR.H.invoke(s, fd, cName, value, value.byteSize()));
            return java.util.Optional.of(value.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        } catch (SyscallException e) {
            if (e.errno() == linux_h.ENODATA() || e.errno() == linux_h.EOPNOTSUPP()) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }
}
