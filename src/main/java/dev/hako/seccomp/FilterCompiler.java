package dev.hako.seccomp;

import dev.hako.linux.linux_h;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles a {@link Profile} to classic BPF for one architecture:
 * <ol>
 * <li>{@code seccomp_data.arch} must be the target's; any other (i386 or x32 on x86_64,
 *     arm on aarch64) is killed, as are x32 system calls ({@code nr} with
 *     {@code __X32_SYSCALL_BIT}) on x86_64.</li>
 * <li>the call number is dispatched by a balanced binary search over the profile's numbers,
 *     merged into ranges that share a target: a call costs about log2(ranges) jumps,
 *     not a scan of the list.</li>
 * <li>a number above every call this architecture's headers know gets ENOSYS, not the
 *     default action, unless that allows (ALLOW, LOG): a call newer than the build's
 *     headers cannot be named, and libc falls back from a new call (fchmodat2, clone3)
 *     on ENOSYS only, never on EPERM. runc does the same above the profile's last call.</li>
 * <li>a call with conditional rules runs them in order: the conditions of one rule all
 *     (AND), each a 64-bit comparison done on the two 32-bit halves (the low word of
 *     argument i at {@code args + 8i}, the high one 4 bytes on); the first rule that holds
 *     returns its action (OR), and when none does the default action applies.</li>
 * </ol>
 * Filters are cached by (profile, architecture): a start only copies bytes.
 */
final class FilterCompiler {
    private record Key(Profile profile, Arch arch) {
    }

    private static final Map<Key, Filter> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 256;
    /**
     * The last filter compiled or found, found again by identity: a record's hash walks all
     * its rules (hundreds of objects, cold in the caches after a start), and builders that
     * use the default profile pass the same instance every time.
     */
    private static volatile Last last;

    private record Last(Profile profile, Arch arch, Filter filter) {
    }
    /** {@code seccomp_data.nr} is 32 bits wide; BPF compares it unsigned. */
    private static final long MAX_NUMBER = Integer.toUnsignedLong(-1);

    private FilterCompiler() {
    }

    static Filter compile(Profile profile, Arch arch) {
        Last l = last;
        if (l != null && l.profile() == profile && l.arch() == arch) {
            return l.filter();
        }
        Key key = new Key(profile, arch);
        Filter f = CACHE.get(key);
        if (f == null) {
            f = compileUncached(profile, arch);
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear();
            }
            CACHE.putIfAbsent(key, f);
            f = CACHE.get(key);
        }
        last = new Last(profile, arch, f);
        return f;
    }

    static Filter compileUncached(Profile profile, Arch arch) {
        if (!profile.architectures().isEmpty() && !profile.architectures().contains(arch.ociName())) {
            throw new SeccompException("architectures: the profile names only " + String.join(", ", profile.architectures())
                    + ", not " + arch.ociName() + ", so it cannot be compiled for " + arch.bindingsName());
        }
        return new FilterCompiler.Run(profile, arch).compile();
    }

    private static int errnoOr(Integer errno) {
        return errno == null ? linux_h.EPERM() : errno;
    }

    /** One compilation. */
    private static final class Run {
        private final Profile profile;
        private final Arch arch;
        private final Assembler asm = new Assembler();
        /** One shared return instruction per distinct return value, emitted last. */
        private final Map<Integer, Assembler.Label> returns = new LinkedHashMap<>();
        private final int defaultReturn;

        Run(Profile profile, Arch arch) {
            this.profile = profile;
            this.arch = arch;
            this.defaultReturn = profile.defaultAction().returnValue(errnoOr(profile.defaultErrnoRet()));
        }

        Filter compile() {
            Assembler.Label kill = ret(Action.KILL_PROCESS.returnValue(0));
            Assembler.Label deflt = ret(defaultReturn);

            Assembler.Label nativeArch = asm.label();
            asm.loadWord(Filter.ARCH_OFFSET);
            asm.jeq(arch.auditArch(), nativeArch, kill);
            asm.bind(nativeArch);
            asm.loadWord(Filter.NR_OFFSET);
            if (arch.x32SyscallBit().isPresent()) {
                Assembler.Label notX32 = asm.label();
                asm.jge(arch.x32SyscallBit().get(), kill, notX32);
                asm.bind(notX32);
            }

            // the rules of each call number on this architecture, in profile order
            TreeMap<Integer, List<SyscallRule>> byNumber = new TreeMap<>();
            for (SyscallRule rule : profile.syscalls()) {
                for (String name : rule.names()) {
                    arch.syscall(name).ifPresent(nr -> byNumber.computeIfAbsent(nr, n -> new ArrayList<>()).add(rule));
                }
            }
            // where each number goes: a shared return, or its own rule body
            TreeMap<Integer, Assembler.Label> targets = new TreeMap<>();
            Map<Integer, List<SyscallRule>> bodies = new LinkedHashMap<>();
            for (var e : byNumber.entrySet()) {
                SyscallRule first = e.getValue().getFirst();
                if (first.args().isEmpty()) {
                    int value = returnOf(first);
                    if (value != defaultReturn) {
                        targets.put(e.getKey(), ret(value));
                    }
                } else {
                    Assembler.Label body = asm.label();
                    targets.put(e.getKey(), body);
                    bodies.put(e.getKey(), e.getValue());
                }
            }
            List<Range> ranges = ranges(targets, deflt);
            if (profile.defaultAction() != Action.ALLOW && profile.defaultAction() != Action.LOG) {
                long unknown = Integer.toUnsignedLong(arch.syscalls().values().stream().max(Integer::compare).orElse(0)) + 1;
                Assembler.Label enosys = ret(Action.ERRNO.returnValue(linux_h.ENOSYS()));
                Range last = ranges.getLast();
                if (last.start == unknown && last.target == deflt) {
                    ranges.set(ranges.size() - 1, new Range(unknown, enosys));
                } else if (last.start < unknown) {
                    ranges.add(new Range(unknown, enosys));
                }
            }
            if (ranges.size() == 1) {
                asm.ja(ranges.getFirst().target);
            } else {
                search(ranges, 0, ranges.size() - 1);
            }
            for (var e : bodies.entrySet()) {
                asm.bind(targets.get(e.getKey()));
                body(e.getValue(), deflt);
            }
            for (var e : returns.entrySet()) {
                asm.bind(e.getValue());
                asm.ret(e.getKey());
            }
            List<int[]> insns = asm.assemble();
            if (insns.size() > Filter.MAX_INSTRUCTIONS) {
                throw new SeccompException("seccomp profile compiles to " + insns.size() + " instructions for "
                        + arch.bindingsName() + ", more than the kernel's limit of " + Filter.MAX_INSTRUCTIONS
                        + " (BPF_MAXINSNS): use fewer argument rules");
            }
            return new Filter(arch, insns, profile.flagBits());
        }

        /** Numbers from {@code start} up to the next range's start go to {@code target}. */
        private record Range(long start, Assembler.Label target) {
        }

        /** The whole 32-bit number space cut into ranges, neighbours with the same target merged. */
        private static List<Range> ranges(TreeMap<Integer, Assembler.Label> targets, Assembler.Label deflt) {
            List<Range> out = new ArrayList<>();
            out.add(new Range(0, deflt));
            for (var e : targets.entrySet()) {
                long nr = Integer.toUnsignedLong(e.getKey());
                if (out.getLast().start == nr) {
                    out.set(out.size() - 1, new Range(nr, e.getValue())); // number 0
                } else if (out.getLast().target != e.getValue()) {
                    out.add(new Range(nr, e.getValue()));
                }
                // the next number goes back to the default unless it has a target of its own
                if (nr < MAX_NUMBER && !targets.containsKey((int) (nr + 1))) {
                    out.add(new Range(nr + 1, deflt));
                }
            }
            return out;
        }

        /**
         * A balanced binary search over {@code ranges[lo..hi]} (lo < hi): one {@code jge} at
         * the middle boundary, the lower half after it, then the upper half. A half of one
         * range is no code: the jump goes straight to its target.
         */
        private void search(List<Range> ranges, int lo, int hi) {
            int mid = (lo + hi + 1) / 2;
            Assembler.Label below = lo == mid - 1 ? ranges.get(lo).target : asm.label();
            Assembler.Label above = mid == hi ? ranges.get(hi).target : asm.label();
            asm.jge((int) ranges.get(mid).start, above, below);
            if (lo < mid - 1) {
                asm.bind(below);
                search(ranges, lo, mid - 1);
            }
            if (mid < hi) {
                asm.bind(above);
                search(ranges, mid, hi);
            }
        }

        /** The rules of one call: the first whose conditions all hold returns its action. */
        private void body(List<SyscallRule> rules, Assembler.Label deflt) {
            for (int r = 0; r < rules.size(); r++) {
                SyscallRule rule = rules.get(r);
                Assembler.Label action = ret(returnOf(rule));
                if (rule.args().isEmpty()) {
                    asm.ja(action); // later rules of this call cannot match
                    return;
                }
                Assembler.Label next = r == rules.size() - 1 ? deflt : asm.label();
                List<ArgCondition> args = rule.args();
                for (int a = 0; a < args.size(); a++) {
                    Assembler.Label pass = a == args.size() - 1 ? action : asm.label();
                    compare(args.get(a), pass, next);
                    if (a < args.size() - 1) {
                        asm.bind(pass);
                    }
                }
                if (r < rules.size() - 1) {
                    asm.bind(next);
                }
            }
        }

        /** One 64-bit unsigned comparison on the two 32-bit halves of an argument. */
        private void compare(ArgCondition c, Assembler.Label pass, Assembler.Label fail) {
            int low = Filter.ARGS_OFFSET + Long.BYTES * c.index();
            int high = low + Integer.BYTES;
            int vHigh = (int) (c.value() >>> Integer.SIZE);
            int vLow = (int) c.value();
            Assembler.Label lowWord = asm.label();
            switch (c.op()) {
                case EQ, NE -> {
                    boolean eq = c.op() == Operator.EQ;
                    asm.loadWord(high);
                    asm.jeq(vHigh, lowWord, eq ? fail : pass);
                    asm.bind(lowWord);
                    asm.loadWord(low);
                    asm.jeq(vLow, eq ? pass : fail, eq ? fail : pass);
                }
                case GT, GE, LT, LE -> {
                    // GT and GE as written; LT is not GE and LE is not GT, so they swap pass and fail
                    boolean upward = c.op() == Operator.GT || c.op() == Operator.GE;
                    Assembler.Label yes = upward ? pass : fail;
                    Assembler.Label no = upward ? fail : pass;
                    Assembler.Label highEqual = asm.label();
                    asm.loadWord(high);
                    asm.jgt(vHigh, yes, highEqual);
                    asm.bind(highEqual);
                    asm.jeq(vHigh, lowWord, no);
                    asm.bind(lowWord);
                    asm.loadWord(low);
                    if (c.op() == Operator.GT || c.op() == Operator.LE) {
                        asm.jgt(vLow, yes, no);
                    } else {
                        asm.jge(vLow, yes, no);
                    }
                }
                case MASKED_EQ -> {
                    int wHigh = (int) (c.valueTwo() >>> Integer.SIZE);
                    int wLow = (int) c.valueTwo();
                    asm.loadWord(high);
                    asm.and(vHigh);
                    asm.jeq(wHigh, lowWord, fail);
                    asm.bind(lowWord);
                    asm.loadWord(low);
                    asm.and(vLow);
                    asm.jeq(wLow, pass, fail);
                }
            }
        }

        private int returnOf(SyscallRule rule) {
            return rule.action().returnValue(errnoOr(rule.errnoRet()));
        }

        private Assembler.Label ret(int value) {
            return returns.computeIfAbsent(value, v -> asm.label());
        }
    }
}
