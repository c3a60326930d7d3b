package dev.hako.program;

import dev.hako.linux.Errno;
import dev.hako.linux.FdSocket;
import dev.hako.linux.Flags;
import dev.hako.linux.Signals;
import dev.hako.linux.linux_h;
import dev.hako.linux.open_how;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The whole job of a container's child between clone and exec, as a flat list of raw
 * system calls with every argument already resolved. The clone trampoline runs it in the
 * child, writes each step's return value back and stops at the first failure (unless the
 * step may fail). A step may also skip the steps that follow it when it fails with ENOENT
 * ({@link Builder#skipIfMissing(int)}): that is how a path that is not there costs one
 * system call instead of all the steps that would deal with it.
 *
 * <p>A program prints like strace output ({@link #toString()}), so tests assert plans
 * without root, and after a run {@link #describeRun()} shows how far the child got.
 */
public final class ChildProgram {
    /** Stored in a step's result before the run: a value no system call returns. */
    static final long NOT_RUN = Long.MIN_VALUE;
    private static final long MAX_ERRNO = 4095;

    /**
     * One system call of the program, with what is needed to print it. Its flags and note
     * are set while the {@link Builder} adds it (a plan is built for every start, so steps
     * are not copied to change them) and never after.
     */
    public static final class Step {
        private final long nr;
        private final long[] args;
        private final Supplier<String> text;
        private int flags;
        private String note;
        private int opensFd = -1;
        private Purpose purpose;

        Step(long nr, long[] args, Supplier<String> text) {
            this.nr = nr;
            this.args = args;
            this.text = text;
        }

        public long nr() {
            return nr;
        }

        long[] args() {
            return args;
        }

        public int flags() {
            return flags;
        }

        /** Why the step is there, or null. */
        public String note() {
            return note;
        }

        /** The descriptor this step opens (the lowest free one), or -1. */
        public int opensFd() {
            return opensFd;
        }

        /** What this step sets up, and for which option; {@link Purpose#SETUP} for hako's own. */
        public Purpose purpose() {
            return purpose;
        }

        /** The call as strace would print it, like {@code mount("proc", "/proc", ...)}: rendered only when asked. */
        public String call() {
            return text.get();
        }

        public boolean mayFail() {
            return (flags & TrampolineCode.MAY_FAIL) != 0;
        }

        boolean zeroFails() {
            return (flags & TrampolineCode.ZERO_FAILS) != 0;
        }

        /** How many of the following steps the child skips when this one fails with ENOENT; 0 if none. */
        public int skipsIfMissing() {
            return TrampolineCode.skipCount(flags);
        }

        boolean skipsOnEnoent() {
            return (flags & TrampolineCode.SKIP_ON_ENOENT) != 0;
        }
    }

    /** A step that stopped the program: its index, the step and the errno (0 when a zero result failed it). */
    public record Failure(int index, Step step, int errno) {
        @Override
        public String toString() {
            return step.call() + ": " + (errno == 0 ? "returned 0" : Errno.describe(errno));
        }
    }

    private final List<Step> steps;
    private final MemorySegment code;

    private ChildProgram(List<Step> steps, MemorySegment code) {
        this.steps = steps;
        this.code = code;
    }

    /** A builder whose strings and structs live in {@code arena}, which must outlive the child's use of them. */
    public static Builder builder(Arena arena) {
        return new Builder(arena);
    }

    public List<Step> steps() {
        return steps;
    }

    /** The native program the trampoline reads: steps, then the end marker. */
    public MemorySegment code() {
        return code;
    }

    /** The value step {@code index} returned, or empty if the child never ran it. */
    public Optional<Long> result(int index) {
        long r = code.get(JAVA_LONG, (long) index * TrampolineCode.STEP_SIZE + TrampolineCode.STEP_RESULT);
        return r == NOT_RUN ? Optional.empty() : Optional.of(r);
    }

    /**
     * Whether step {@code index} ran and failed (whether or not it was allowed to). A step
     * that found its path missing and skipped what followed has failed, with ENOENT, but did
     * not stop the child.
     */
    public boolean failed(int index) {
        long r = rawResult(index);
        return r != NOT_RUN && (isError(r) || (r == 0 && steps.get(index).zeroFails()));
    }

    private long rawResult(int index) {
        return code.get(JAVA_LONG, (long) index * TrampolineCode.STEP_SIZE + TrampolineCode.STEP_RESULT);
    }

    /** The errno of a failed step, or 0. */
    public int errno(int index) {
        return result(index).filter(ChildProgram::isError).map(r -> (int) -r).orElse(0);
    }

    /** Whether step {@code index} ran, failed with ENOENT and so made the child skip the steps after it. */
    public boolean foundMissing(int index) {
        return steps.get(index).skipsOnEnoent() && rawResult(index) == -linux_h.ENOENT();
    }

    /** Whether the child passed over step {@code index} because an earlier step found its path missing. */
    public boolean skipped(int index) {
        for (int j = index - 1; j >= 0 && j >= index - TrampolineCode.MAX_SKIP_COUNT; j--) {
            if (index - j <= steps.get(j).skipsIfMissing() && foundMissing(j)) {
                return true;
            }
        }
        return false;
    }

    private boolean stoppedAt(int index) {
        return failed(index) && !steps.get(index).mayFail() && !foundMissing(index);
    }

    /** The step that stopped the child, if one did. Read only after the child has exec'd or died. */
    public Optional<Failure> failure() {
        for (int i = 0; i < steps.size(); i++) {
            if (stoppedAt(i)) {
                return Optional.of(new Failure(i, steps.get(i), errno(i)));
            }
        }
        return Optional.empty();
    }

    private static boolean isError(long r) {
        return r < 0 && r >= -MAX_ERRNO;
    }

    /** The plan, one step a line, like strace output. */
    @Override
    public String toString() {
        return render(false);
    }

    /** The plan with each step's result: {@code = 0}, {@code = -1 ENOENT (...)}, skipped, or not run. */
    public String describeRun() {
        return render(true);
    }

    private String render(boolean withResults) {
        StringBuilder out = new StringBuilder();
        Purpose section = Purpose.SETUP;
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (!s.purpose().equals(section)) {
                section = s.purpose();
                out.append("     -- ").append(section).append('\n');
            }
            out.append(String.format("%3d  %s", i, s.call()));
            if (withResults) {
                int index = i;
                out.append(result(i).map(r -> isError(r) ? " = -1 " + Errno.describe((int) -r) : " = " + r)
                        .orElse(skipped(index) ? " (skipped)" : " (not run)"));
                if (stoppedAt(index)) {
                    out.append("  <- stopped here");
                } else if (foundMissing(index) && s.skipsIfMissing() > 0) {
                    out.append("  <- missing, skipped the next ").append(s.skipsIfMissing());
                }
            }
            List<String> marks = new ArrayList<>();
            if (s.mayFail()) {
                marks.add("may fail");
            }
            if (s.zeroFails()) {
                marks.add("0 fails");
            }
            if ((s.flags() & TrampolineCode.ARG0_FROM_PREV) != 0) {
                marks.add("fd from previous");
            }
            if (s.skipsOnEnoent()) {
                marks.add("skips " + s.skipsIfMissing() + " if missing");
            }
            if ((s.flags() & TrampolineCode.EXIT_ON_POSITIVE) != 0) {
                marks.add("exits if positive");
            }
            if (!marks.isEmpty()) {
                out.append("  [").append(String.join(", ", marks)).append(']');
            }
            String comment = s.opensFd() < 0 ? s.note()
                    : (s.note() == null ? "" : s.note() + "; ") + "gets fd " + s.opensFd();
            if (comment != null) {
                out.append("  # ").append(comment);
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Adds steps in order. Each method adds one system call; {@link #mayFail()},
     * {@link #zeroFails()}, {@link #skipIfMissing(int)} and {@link #note(String)} change the
     * step added last.
     */
    public static final class Builder {
        /** For printing: the argument that takes the previous step's result. */
        private static final String PREVIOUS = "<previous>";

        private MemorySegment defaultAction;
        private final Arena arena;
        private final List<Step> steps = new ArrayList<>();
        /** Known once {@link #closeFrom(int)} has rebuilt the fd table; null before. */
        private FdTable fds;
        private Purpose purpose = Purpose.SETUP;
        /** The native program once a part of it is written, with room for {@link #capacity} steps; null before. */
        private MemorySegment code;
        private int capacity;
        /** How many steps are in {@link #code}. */
        private int written;

        private Builder(Arena arena) {
            this.arena = arena;
        }

        /**
         * What the steps added from now on set up, and for which option: a failure of any of
         * them is reported as a failure of that. Lasts until the next call.
         */
        public Builder setsUp(String what, String option) {
            purpose = new Purpose(what, option);
            return this;
        }

        /** The steps added from now on are hako's own setup, tied to no option. */
        public Builder setsUpInternals(String what) {
            purpose = new Purpose(what, null);
            return this;
        }

        /** The arena this program's memory comes from. */
        public Arena arena() {
            return arena;
        }

        /** Adds a raw step: system call {@code nr} printed as {@code call}. */
        public Builder step(long nr, String call, long... args) {
            return step(nr, () -> call, args);
        }

        /**
         * Adds a raw step whose printed form is rendered only when the program is printed:
         * a plan is built for every start, but read only when debugging or on failure.
         */
        public Builder step(long nr, Supplier<String> call, long... args) {
            if (args.length > 6) {
                throw new IllegalArgumentException("a system call takes at most 6 arguments: " + call.get());
            }
            Step step = new Step(nr, args.length == 6 ? args : java.util.Arrays.copyOf(args, 6), call);
            step.purpose = purpose;
            steps.add(step);
            return this;
        }

        /** The step added last does not stop the program when it fails. */
        public Builder mayFail() {
            return withFlag(TrampolineCode.MAY_FAIL);
        }

        /**
         * A result above 0 of the step added last ends the child with 0, the end of the
         * program: after a fork (clone3), the parent is done and only the new child goes on.
         */
        public Builder exitIfPositive() {
            return withFlag(TrampolineCode.EXIT_ON_POSITIVE);
        }

        /** The step added last fails when it returns 0 (e.g. read at end of file). */
        public Builder zeroFails() {
            return withFlag(TrampolineCode.ZERO_FAILS);
        }

        /**
         * When the step added last fails with ENOENT (its path is not there), the child does
         * not stop but skips the next {@code k} steps, which keep "not run" (printed as
         * skipped); any other failure stops it as before, unless the step {@link #mayFail()}.
         * The {@code k} steps must have been added by the time {@link #build()} runs.
         *
         * @throws IllegalArgumentException unless {@code 0 <= k <= 255} (one byte of the flags word)
         */
        public Builder skipIfMissing(int k) {
            if (k < 0 || k > TrampolineCode.MAX_SKIP_COUNT) {
                throw new IllegalArgumentException("a step skips 0 to " + TrampolineCode.MAX_SKIP_COUNT
                        + " steps when its path is missing, not " + k);
            }
            Step s = unwritten();
            if (s.skipsOnEnoent()) {
                throw new IllegalStateException("the step already skips " + s.skipsIfMissing() + " if missing: " + s.call());
            }
            s.flags |= (int) TrampolineCode.skipOnEnoent(k);
            return this;
        }

        /** Explains the step added last; printed as a comment. */
        public Builder note(String note) {
            last().note = note;
            return this;
        }

        private Builder withFlag(long flag) {
            unwritten().flags |= (int) flag;
            return this;
        }

        /** The step added last, whose flags may still change: not yet in native memory. */
        private Step unwritten() {
            if (steps.size() <= written) {
                throw new IllegalStateException("the step is written already: " + last().call());
            }
            return last();
        }

        private Step last() {
            if (steps.isEmpty()) {
                throw new IllegalStateException("no step added yet");
            }
            return steps.getLast();
        }

        /** A NUL-terminated copy of {@code s} in the program's memory (0 for null). */
        public long cString(String s) {
            return s == null ? 0 : arena.allocateFrom(s).address();
        }

        /** A NULL-terminated array of C strings, as execve wants for argv and envp. */
        public long cStringArray(List<String> strings) {
            MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
            for (int i = 0; i < strings.size(); i++) {
                array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
            }
            array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
            return array.address();
        }

        static String quote(String s) {
            return s == null ? "NULL" : '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }

        public Builder dup3(int oldFd, int newFd, int flags) {
            return step(linux_h.SYS_dup3(), () -> "dup3(" + oldFd + ", " + newFd + ", " + Flags.render("O_", flags) + ")",
                    oldFd, newFd, flags);
        }

        /** {@code dup3(<result of the previous step>, newFd, 0)}: places an fd the previous step opened. */
        public Builder dup3FromPrevious(int newFd) {
            step(linux_h.SYS_dup3(), () -> "dup3(" + PREVIOUS + ", " + newFd + ", 0)", 0, newFd, 0);
            return withFlag(TrampolineCode.ARG0_FROM_PREV);
        }

        /**
         * Closes every fd from {@code first} up. From here on the builder knows the fd table
         * (below {@code first} taken, the rest free), so each step that opens a descriptor
         * returns the number the kernel will give it: the lowest free one.
         */
        public Builder closeFrom(int first) {
            fds = new FdTable(first);
            return step(linux_h.SYS_close_range(), () -> "close_range(" + first + ", ~0U, 0)", first, 0xFFFF_FFFFL, 0);
        }

        /**
         * Closes every fd but those in {@code kept}: one {@code close_range} per gap between
         * them and one from the highest up. From here on the builder knows the fd table, as
         * after {@link #closeFrom(int)}: each later open gets the lowest number not kept.
         */
        public Builder closeAllExcept(BitSet kept) {
            if (kept.nextClearBit(0) == kept.length()) {
                return closeFrom(kept.length()); // 0..n-1: one close_range, as closeFrom writes it
            }
            for (int from = kept.nextClearBit(0); from < kept.length(); from = kept.nextClearBit(from)) {
                int first = from;
                int last = kept.nextSetBit(from) - 1;
                step(linux_h.SYS_close_range(), () -> "close_range(" + first + ", " + last + ", 0)", first, last, 0);
                from = last + 1;
            }
            int tail = kept.length();
            fds = new FdTable(kept);
            return step(linux_h.SYS_close_range(), () -> "close_range(" + tail + ", ~0U, 0)", tail, 0xFFFF_FFFFL, 0);
        }

        public Builder close(int fd) {
            if (fds != null) {
                fds.release(fd);
            }
            return step(linux_h.SYS_close(), () -> "close(" + fd + ")", fd);
        }

        /** Marks the step added last as opening a descriptor and returns its number. */
        private int opened() {
            if (fds == null) {
                throw new IllegalStateException("a step opens a descriptor before closeFrom(...) made the fd table known");
            }
            Step s = last();
            s.opensFd = fds.take();
            return s.opensFd;
        }

        /** Reads {@code count} bytes into fresh memory of the program's. */
        public Builder read(int fd, int count) {
            long buf = arena.allocate(count).address();
            return step(linux_h.SYS_read(), () -> "read(" + fd + ", buf, " + count + ")", fd, buf, count);
        }

        /** {@code write(fd, data, length)}, the data shown by its length only. */
        public Builder write(int fd, MemorySegment data, long length) {
            return step(linux_h.SYS_write(), () -> "write(" + fd + ", <" + length + " bytes>, " + length + ")",
                    fd, data.address(), length);
        }

        public Builder prctl(int option, String optionName, long arg, String argText) {
            return step(linux_h.SYS_prctl(), () -> "prctl(" + optionName + ", " + argText + ")", option, arg);
        }

        public Builder setsid() {
            return step(linux_h.SYS_setsid(), () -> "setsid()");
        }

        public Builder unshare(long flags) {
            return step(linux_h.SYS_unshare(), () -> "unshare(" + Flags.render("CLONE_", flags) + ")", flags);
        }

        /** {@code setns(fd, nstype)}: joins the namespaces of {@code fd}, a namespace fd or (with several flags) a pidfd. */
        public Builder setns(int fd, long nstype) {
            return step(linux_h.SYS_setns(), () -> "setns(" + fd + ", " + Flags.render("CLONE_", nstype) + ")", fd, nstype);
        }

        public Builder mount(String source, String target, String fstype, long flags, String data) {
            return step(linux_h.SYS_mount(), () -> "mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype)
                            + ", " + Flags.render("MS_", flags) + ", " + quote(data) + ")",
                    cString(source), cString(target), cString(fstype), flags, cString(data));
        }

        /** {@code open_tree(AT_FDCWD, path, flags)}: a detached copy of the mount at {@code path}; returns its fd. */
        public int openTree(String path, int flags) {
            step(linux_h.SYS_open_tree(), () -> "open_tree(AT_FDCWD, " + quote(path) + ", " + Flags.openTreeFlags(flags) + ")",
                    linux_h.AT_FDCWD(), cString(path), flags);
            return opened();
        }

        /** {@code move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_SYMLINKS)}: attaches a detached mount. */
        public Builder moveMount(int fd, String target) {
            return step(linux_h.SYS_move_mount(), () -> "move_mount(" + fd + ", \"\", AT_FDCWD, " + quote(target)
                            + ", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_SYMLINKS)",
                    fd, cString(""), linux_h.AT_FDCWD(), cString(target),
                    linux_h.MOVE_MOUNT_F_EMPTY_PATH() | linux_h.MOVE_MOUNT_T_SYMLINKS());
        }

        /** {@code mount_setattr(fd, "", AT_EMPTY_PATH[|AT_RECURSIVE], {attr_set=attrs}, size)}. */
        public Builder mountSetattr(int fd, boolean recursive, long attrs, String attrText) {
            MemorySegment attr = arena.allocate(linux_h.HAKO_MOUNT_ATTR_SIZE(), 8);
            attr.set(JAVA_LONG, linux_h.HAKO_MOUNT_ATTR_SET(), attrs);
            int flags = linux_h.AT_EMPTY_PATH() | (recursive ? linux_h.AT_RECURSIVE() : 0);
            return step(linux_h.SYS_mount_setattr(), () -> "mount_setattr(" + fd + ", \"\", AT_EMPTY_PATH"
                            + (recursive ? "|AT_RECURSIVE" : "") + ", {attr_set=" + attrText + "}, "
                            + linux_h.HAKO_MOUNT_ATTR_SIZE() + ")",
                    fd, cString(""), flags, attr.address(), linux_h.HAKO_MOUNT_ATTR_SIZE());
        }

        /**
         * {@code mount_setattr(AT_FDCWD, path, 0, {attr_set=attrs}, size)}: on the mount whose
         * root {@code path} names after following every mount stacked on it (and symlinks);
         * EINVAL when {@code path} is not the root of a mount of this namespace.
         */
        public Builder mountSetattr(String path, long attrs, String attrText) {
            return mountSetattr(path, false, attrs, attrText);
        }

        /** {@link #mountSetattr(String, long, String)}, with {@code AT_RECURSIVE}: also every mount below. */
        public Builder mountSetattr(String path, boolean recursive, long attrs, String attrText) {
            MemorySegment attr = arena.allocate(linux_h.HAKO_MOUNT_ATTR_SIZE(), 8);
            attr.set(JAVA_LONG, linux_h.HAKO_MOUNT_ATTR_SET(), attrs);
            int flags = recursive ? linux_h.AT_RECURSIVE() : 0;
            return step(linux_h.SYS_mount_setattr(), () -> "mount_setattr(AT_FDCWD, " + quote(path) + ", "
                            + (recursive ? "AT_RECURSIVE" : "0") + ", {attr_set=" + attrText + "}, "
                            + linux_h.HAKO_MOUNT_ATTR_SIZE() + ")",
                    linux_h.AT_FDCWD(), cString(path), flags, attr.address(), linux_h.HAKO_MOUNT_ATTR_SIZE());
        }

        /** {@code close(<result of the previous step>)}, for an fd that a step may or may not have opened. */
        public Builder closePrevious() {
            step(linux_h.SYS_close(), () -> "close(" + PREVIOUS + ")", 0);
            return withFlag(TrampolineCode.ARG0_FROM_PREV);
        }

        /** {@code unlinkat(AT_FDCWD, path, AT_REMOVEDIR)}: removes an empty directory. */
        public Builder rmdir(String path) {
            return step(linux_h.SYS_unlinkat(), () -> "unlinkat(AT_FDCWD, " + quote(path) + ", AT_REMOVEDIR)",
                    linux_h.AT_FDCWD(), cString(path), linux_h.AT_REMOVEDIR());
        }

        /** {@code faccessat(AT_FDCWD, path, F_OK)}: is the path there? It creates no fd, unlike an open. */
        public Builder access(String path) {
            return step(linux_h.SYS_faccessat(), () -> "faccessat(AT_FDCWD, " + quote(path) + ", F_OK)",
                    linux_h.AT_FDCWD(), cString(path), linux_h.F_OK());
        }

        /**
         * Skips the next {@code k} steps, always: the trampoline has no jump, so this is the
         * cheapest call that always fails with ENOENT, {@code faccessat} of the empty path,
         * with {@link #skipIfMissing(int)}.
         */
        public Builder jump(int k) {
            step(linux_h.SYS_faccessat(), () -> "faccessat(AT_FDCWD, \"\", F_OK)", linux_h.AT_FDCWD(), cString(""),
                    linux_h.F_OK());
            return skipIfMissing(k).note("jump: the empty path is never there");
        }

        public Builder umount2(String target, int flags) {
            return step(linux_h.SYS_umount2(), () -> "umount2(" + quote(target) + ", " + Flags.render("MNT_", flags) + ")",
                    cString(target), flags);
        }

        public Builder pivotRoot(String newRoot, String putOld) {
            return step(linux_h.SYS_pivot_root(), () -> "pivot_root(" + quote(newRoot) + ", " + quote(putOld) + ")",
                    cString(newRoot), cString(putOld));
        }

        public Builder chdir(String path) {
            return step(linux_h.SYS_chdir(), () -> "chdir(" + quote(path) + ")", cString(path));
        }

        public Builder chroot(String path) {
            return step(linux_h.SYS_chroot(), () -> "chroot(" + quote(path) + ")", cString(path));
        }

        public Builder fchdir(int fd) {
            return step(linux_h.SYS_fchdir(), () -> "fchdir(" + fd + ")", fd);
        }

        /** {@code openat(AT_FDCWD, path, flags, mode)}; returns the fd it opens. */
        public int open(String path, int flags, int mode) {
            openStep(path, flags, mode);
            return opened();
        }

        /**
         * Creates an empty file at {@code path} unless something is there already (both
         * steps may fail): {@code openat(O_WRONLY|O_CREAT|O_CLOEXEC)}, then {@code close}
         * of whatever it returned.
         */
        public Builder createFileIfMissing(String path, int mode) {
            openStep(path, linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_CLOEXEC(), mode).mayFail();
            return closePrevious().mayFail();
        }

        private Builder openStep(String path, int flags, int mode) {
            return step(linux_h.SYS_openat(), () -> "openat(AT_FDCWD, " + quote(path) + ", " + Flags.openFlags(flags)
                    + ", 0" + Integer.toOctalString(mode) + ")", linux_h.AT_FDCWD(), cString(path), flags, mode);
        }

        public Builder mkdir(String path, int mode) {
            return step(linux_h.SYS_mkdirat(), () -> "mkdirat(AT_FDCWD, " + quote(path) + ", 0" + Integer.toOctalString(mode) + ")",
                    linux_h.AT_FDCWD(), cString(path), mode);
        }

        /** {@code mknodat} of a character device; {@code dev} is the kernel's encoding of major:minor. */
        public Builder mknodChar(String path, int permissions, int major, int minor, long dev) {
            return step(linux_h.SYS_mknodat(), () -> "mknodat(AT_FDCWD, " + quote(path) + ", S_IFCHR|0"
                            + Integer.toOctalString(permissions) + ", makedev(" + major + ", " + minor + "))",
                    linux_h.AT_FDCWD(), cString(path), linux_h.S_IFCHR() | permissions, dev);
        }

        /**
         * {@code mknodat} of a character or block device: {@code type} is {@code S_IFCHR} or
         * {@code S_IFBLK}; {@code dev} is the kernel's encoding of major:minor.
         */
        public Builder mknodDevice(String path, int type, int permissions, int major, int minor, long dev) {
            String typeName = type == linux_h.S_IFBLK() ? "S_IFBLK" : "S_IFCHR";
            return step(linux_h.SYS_mknodat(), () -> "mknodat(AT_FDCWD, " + quote(path) + ", " + typeName + "|0"
                            + Integer.toOctalString(permissions) + ", makedev(" + major + ", " + minor + "))",
                    linux_h.AT_FDCWD(), cString(path), type | permissions, dev);
        }

        /** {@code fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)}. */
        public Builder chown(String path, int uid, int gid) {
            return step(linux_h.SYS_fchownat(), () -> "fchownat(AT_FDCWD, " + quote(path) + ", " + Integer.toUnsignedString(uid)
                            + ", " + Integer.toUnsignedString(gid) + ", AT_SYMLINK_NOFOLLOW)",
                    linux_h.AT_FDCWD(), cString(path), uid, gid, linux_h.AT_SYMLINK_NOFOLLOW());
        }

        /**
         * {@code openat2(dirFd, path, {flags, 0, resolve})}: returns the descriptor it gets.
         * With {@code RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS}, a path that leaves {@code dirFd}
         * or passes a symbolic link fails (EXDEV, ELOOP) instead of leading elsewhere.
         */
        public int openat2(int dirFd, String path, int flags, long resolve) {
            MemorySegment how = open_how.allocate(arena);
            open_how.flags(how, flags);
            open_how.resolve(how, resolve);
            step(linux_h.SYS_openat2(), () -> "openat2(" + dirFd + ", " + quote(path) + ", {" + Flags.openFlags(flags)
                            + ", resolve=" + resolveText(resolve) + "})",
                    dirFd, cString(path), how.address(), how.byteSize());
            return opened();
        }

        private static String resolveText(long resolve) {
            List<String> names = new ArrayList<>();
            if ((resolve & linux_h.RESOLVE_BENEATH()) != 0) {
                names.add("RESOLVE_BENEATH");
            }
            if ((resolve & linux_h.RESOLVE_NO_SYMLINKS()) != 0) {
                names.add("RESOLVE_NO_SYMLINKS");
            }
            if ((resolve & linux_h.RESOLVE_IN_ROOT()) != 0) {
                names.add("RESOLVE_IN_ROOT");
            }
            return names.isEmpty() ? "0" : String.join("|", names);
        }

        /**
         * {@code fchownat(dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW)}; for an empty name,
         * {@code AT_EMPTY_PATH}: the directory {@code dirFd} itself.
         */
        public Builder chownAt(int dirFd, String name, int uid, int gid) {
            int flags = name.isEmpty() ? linux_h.AT_EMPTY_PATH() : linux_h.AT_SYMLINK_NOFOLLOW();
            return step(linux_h.SYS_fchownat(), () -> "fchownat(" + dirFd + ", " + quote(name) + ", "
                            + Integer.toUnsignedString(uid) + ", " + Integer.toUnsignedString(gid) + ", "
                            + (name.isEmpty() ? "AT_EMPTY_PATH" : "AT_SYMLINK_NOFOLLOW") + ")",
                    dirFd, cString(name), uid, gid, flags);
        }

        /**
         * {@code fchmodat(dirFd, name, mode)}, all twelve bits of {@code mode}; it follows a
         * symbolic link (the system call has no flag that does not), so only for a name known
         * not to be one.
         */
        public Builder chmodAt(int dirFd, String name, int mode) {
            return step(linux_h.SYS_fchmodat(), () -> "fchmodat(" + dirFd + ", " + quote(name) + ", 0"
                            + Integer.toOctalString(mode) + ")",
                    dirFd, cString(name), mode);
        }

        public Builder symlink(String target, String linkPath) {
            return step(linux_h.SYS_symlinkat(), () -> "symlinkat(" + quote(target) + ", AT_FDCWD, " + quote(linkPath) + ")",
                    cString(target), linux_h.AT_FDCWD(), cString(linkPath));
        }

        public Builder sethostname(String name) {
            MemorySegment bytes = arena.allocateFrom(name);
            return step(linux_h.SYS_sethostname(), () -> "sethostname(" + quote(name) + ", " + (bytes.byteSize() - 1) + ")",
                    bytes.address(), bytes.byteSize() - 1);
        }

        /** {@code setdomainname(name, length)}: the NIS domain name of the UTS namespace. */
        public Builder setdomainname(String name) {
            MemorySegment bytes = arena.allocateFrom(name);
            return step(linux_h.SYS_setdomainname(), () -> "setdomainname(" + quote(name) + ", "
                    + (bytes.byteSize() - 1) + ")", bytes.address(), bytes.byteSize() - 1);
        }

        public Builder umask(int mask) {
            return step(linux_h.SYS_umask(), () -> "umask(0" + Integer.toOctalString(mask) + ")", mask);
        }

        /** {@code socket(domain, type, 0)}; returns the fd it opens. */
        public int socket(int domain, String domainName, int type, String typeText) {
            step(linux_h.SYS_socket(), () -> "socket(" + domainName + ", " + typeText + ", 0)", domain, type, 0);
            return opened();
        }

        public Builder ioctl(int fd, long request, String requestName, MemorySegment arg, String argText) {
            return step(linux_h.SYS_ioctl(), () -> "ioctl(" + fd + ", " + requestName + ", " + argText + ")",
                    fd, request, arg.address());
        }

        /** {@code ioctl(fd, request, arg)} with an integer argument rather than a pointer. */
        public Builder ioctl(int fd, long request, String requestName, long arg, String argText) {
            return step(linux_h.SYS_ioctl(), () -> "ioctl(" + fd + ", " + requestName + ", " + argText + ")",
                    fd, request, arg);
        }

        /**
         * {@code ioctl(fd, request, arg)} for a request that returns a new descriptor (such
         * as TIOCGPTPEER); returns its number.
         */
        public int ioctlOpeningFd(int fd, long request, String requestName, long arg, String argText) {
            ioctl(fd, request, requestName, arg, argText);
            return opened();
        }

        /** {@code fchown(fd, uid, gid)}; -1 leaves that id as it is. */
        public Builder fchown(int fd, int uid, int gid) {
            return step(linux_h.SYS_fchown(), () -> "fchown(" + fd + ", " + uid + ", " + gid + ")",
                    fd, uid & 0xFFFF_FFFFL, gid & 0xFFFF_FFFFL);
        }

        /** {@code sendmsg(fd, msg, flags)}; {@code msgText} shows the message prepared in the program's memory. */
        public Builder sendmsg(int fd, MemorySegment msg, String msgText, int flags) {
            return step(linux_h.SYS_sendmsg(), () -> "sendmsg(" + fd + ", " + msgText + ", " + flags + ")",
                    fd, msg.address(), flags);
        }

        /**
         * {@code recvmsg(socketFd, {[1 byte], room for one SCM_RIGHTS descriptor}, MSG_CMSG_CLOEXEC)}:
         * waits for one descriptor that the parent sends over an {@link FdSocket}
         * ({@code FdSocket.send}) and returns the number it gets in the child. The kernel
         * installs a received descriptor at the lowest free number, as it does for an open, so
         * the number is known now, from the fd table ({@link #closeFrom(int)} or
         * {@link #closeAllExcept(BitSet)} must have come first), and later steps can name it.
         * Close-on-exec: whatever the child does not close itself is gone at its execve.
         *
         * <p>A zero-length read fails the step ({@link #zeroFails()}): the parent closed its
         * end without sending, because it gave up, and the child stops here. That needs the
         * child to hold no copy of the parent's end, which the fd table rebuild sees to. The
         * step blocks until then, so it is also a wait for the parent: steps after it run only
         * once the parent has done what it had to do before sending (such as writing the
         * maps of the child's user namespace). Each call receives one descriptor; several
         * sent in a row arrive one per call, in order, each at the next lowest free number.
         *
         * <p>A message without a descriptor (never sent by hako's parent side) would leave
         * the number free: the steps that use it then fail with EBADF.
         */
        public int receiveFd(int socketFd) {
            MemorySegment msg = FdSocket.receivingMessage(arena);
            step(linux_h.SYS_recvmsg(), () -> "recvmsg(" + socketFd + ", {[1 byte], SCM_RIGHTS [<one fd>]}, MSG_CMSG_CLOEXEC)",
                    socketFd, msg.address(), linux_h.MSG_CMSG_CLOEXEC());
            zeroFails();
            return opened();
        }

        /**
         * {@code rt_sigaction(signal, {SIG_DFL}, NULL, sigsetsize)}: the default action for a
         * signal the child would otherwise inherit as ignored (CLONE_CLEAR_SIGHAND resets only
         * handled ones).
         */
        public Builder defaultSignal(int signal) {
            if (defaultAction == null) {
                defaultAction = arena.allocate(linux_h.HAKO_SIGACTION_BUFFER_SIZE(), 8); // zeroed: SIG_DFL
            }
            return step(linux_h.SYS_rt_sigaction(), () -> "rt_sigaction(" + Signals.name(signal) + ", {SIG_DFL}, NULL, "
                            + linux_h.HAKO_KERNEL_SIGSET_SIZE() + ")",
                    signal, defaultAction.address(), 0, linux_h.HAKO_KERNEL_SIGSET_SIZE());
        }

        /** Unblocks every signal: {@code rt_sigprocmask(SIG_SETMASK, {}, NULL, 8)}. */
        public Builder unblockAllSignals() {
            MemorySegment empty = arena.allocate(linux_h.HAKO_KERNEL_SIGSET_SIZE());
            return step(linux_h.SYS_rt_sigprocmask(), () -> "rt_sigprocmask(SIG_SETMASK, [], NULL, "
                            + linux_h.HAKO_KERNEL_SIGSET_SIZE() + ")",
                    linux_h.SIG_SETMASK(), empty.address(), 0, linux_h.HAKO_KERNEL_SIGSET_SIZE());
        }

        /**
         * {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)}: installs a compiled filter,
         * whose bytes (an array of {@code struct sock_filter}) are copied into the program's memory.
         */
        public Builder seccompFilter(byte[] filter, int length, long flags, String what) {
            MemorySegment insns = arena.allocate(filter.length, 8);
            insns.copyFrom(MemorySegment.ofArray(filter));
            MemorySegment fprog = arena.allocate(linux_h.HAKO_SOCK_FPROG_SIZE(), 8);
            fprog.set(java.lang.foreign.ValueLayout.JAVA_SHORT, linux_h.HAKO_SOCK_FPROG_LEN(), (short) length);
            fprog.set(ADDRESS, linux_h.HAKO_SOCK_FPROG_FILTER(), insns);
            return step(linux_h.SYS_seccomp(), () -> "seccomp(SECCOMP_SET_MODE_FILTER, " + flags + ", {len=" + length
                    + ", " + what + "})", linux_h.SECCOMP_SET_MODE_FILTER(), flags, fprog.address());
        }

        public Builder execve(String path, long argv, List<String> argvText, long envp, int envCount) {
            return step(linux_h.SYS_execve(), () -> "execve(" + quote(path) + ", "
                            + argvText.stream().map(Builder::quote).collect(Collectors.joining(", ", "[", "]"))
                            + ", [" + envCount + " vars])",
                    cString(path), argv, envp);
        }

        public Builder exit(int code) {
            return step(linux_h.SYS_exit(), () -> "exit(" + code + ")", code);
        }

        /**
         * Writes the steps added so far into native memory with room for {@code room} more
         * after them, which {@link #build()} writes later, and the end marker after them for
         * now. The child may run the program as soon as this returns, so the steps added
         * later must come after a step that waits for the parent (a read of the sync pipe):
         * the child cannot pass it before the parent has written the rest and released it.
         *
         * @throws IllegalStateException when called twice, or as {@link #build()} does
         */
        public ChildProgram buildFirstPart(int room) {
            if (code != null) {
                throw new IllegalStateException("the first part is written already");
            }
            checkSkips();
            code = arena.allocate((long) (steps.size() + room + 1) * TrampolineCode.STEP_SIZE, 8);
            capacity = steps.size() + room;
            writeSteps(0);
            written = steps.size();
            return new ChildProgram(List.copyOf(steps), code);
        }

        /**
         * Writes the program into native memory, every result set to "not run"; after
         * {@link #buildFirstPart(int)}, the steps added since, into its room.
         *
         * @throws IllegalStateException when a step skips more steps than follow it, or the
         *     step it resumes at takes its argument 0 from the previous step's result (which
         *     would be the skipping step's -ENOENT on one path and another step's result on
         *     the other), or the steps added after the first part outgrow its room
         */
        public ChildProgram build() {
            checkSkips();
            if (code == null) {
                code = arena.allocate((long) (steps.size() + 1) * TrampolineCode.STEP_SIZE, 8);
                capacity = steps.size();
            } else if (steps.size() > capacity) {
                throw new IllegalStateException((steps.size() - written) + " steps were added after the first part,"
                        + " which left room for " + (capacity - written));
            }
            writeSteps(written);
            written = steps.size();
            return new ChildProgram(List.copyOf(steps), code);
        }

        private void checkSkips() {
            for (int i = 0; i < steps.size(); i++) {
                int k = steps.get(i).skipsIfMissing();
                if (i + k >= steps.size()) {
                    throw new IllegalStateException("step " + i + " skips " + k + " if missing, but only "
                            + (steps.size() - 1 - i) + " follow it: " + steps.get(i).call());
                }
                int resume = i + 1 + k;
                if (k > 0 && resume < steps.size()
                        && (steps.get(resume).flags() & TrampolineCode.ARG0_FROM_PREV) != 0) {
                    throw new IllegalStateException("step " + resume + " takes the previous result, but step " + i
                            + " may skip to it: " + steps.get(resume).call());
                }
            }
        }

        /** Steps {@code from} to the last, then the end marker. */
        private void writeSteps(int from) {
            for (int i = from; i < steps.size(); i++) {
                Step s = steps.get(i);
                long base = (long) i * TrampolineCode.STEP_SIZE;
                code.set(JAVA_LONG, base + TrampolineCode.STEP_NR, s.nr());
                for (int a = 0; a < 6; a++) {
                    code.set(JAVA_LONG, base + TrampolineCode.STEP_ARG0 + 8L * a, s.args()[a]);
                }
                code.set(JAVA_LONG, base + TrampolineCode.STEP_FLAGS, s.flags());
                code.set(JAVA_LONG, base + TrampolineCode.STEP_RESULT, NOT_RUN);
            }
            code.set(JAVA_LONG, (long) steps.size() * TrampolineCode.STEP_SIZE + TrampolineCode.STEP_NR,
                    TrampolineCode.END_OF_PROGRAM);
        }
    }
}
