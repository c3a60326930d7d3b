package dev.hako.security;

import dev.hako.linux.Kernel;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.IntStream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;


/**
 * The capabilities a container's command keeps. By default Docker's 14; {@code capAdd} and
 * {@code capDrop} change the set by name ({@code CAP_} optional, any case, {@code ALL} for
 * every capability the running kernel knows). The set is the bounding set; root has it as
 * its permitted and effective sets too, with empty inheritable and ambient sets, as under
 * Docker and Podman (root needs neither: execve gives uid 0 the bounding set), and a non-root
 * user has only the capabilities {@code capAdd} named, in all four (ambient, so they
 * survive execve).
 *
 * <p>A value is computed once, when the configuration is built: the capabilities to drop
 * from the bounding set and the {@code capset} data are ready, so a start only copies them
 * into the child's program. Names and numbers come from the generated bindings
 * ({@code <linux/capability.h>}); capabilities the running kernel does not know
 * ({@code /proc/sys/kernel/cap_last_cap}) are left out.
 */
public final class Capabilities {
    /** Every capability of the headers, by name without {@code CAP_}, in numeric order. */
    private static final Map<String, Integer> NUMBERS = numbers();
    private static final ValueLayout.OfInt UNALIGNED_INT = JAVA_INT.withByteAlignment(1);

    /** Docker's default set (moby's {@code oci/caps/defaults.go}). */
    public static final List<String> DOCKER_DEFAULT = List.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER",
            "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT",
            "KILL", "AUDIT_WRITE");
    private static final long DOCKER_DEFAULT_MASK = maskOf(DOCKER_DEFAULT, "capabilities");

    private final long mask;
    /** What a non-root user keeps: the capabilities named in capAdd that are in {@link #mask}. */
    private final long granted;
    private final int last;
    private final int[] dropped;
    private final int[] kept;
    private final int[] keptByUser;
    /** The capset(2) data (two {@code __user_cap_data_struct}s) for root: permitted and effective are {@link #mask}. */
    private final byte[] rootData;
    /** The same for a non-root user: all three sets are {@link #granted}. */
    private final byte[] userData;

    /** The names of {@link #kept}, made once: a start's plan and the default seccomp profile ask for them. */
    private final List<String> names;
    /** The five sets given one by one ({@link #explicit}), or null for the default rule above. */
    private final Sets sets;

    /**
     * The five sets of OCI's {@code process.capabilities}, as masks: the bounding set is
     * {@link #mask()}; permitted, effective and inheritable go to capset as they are, and
     * each ambient capability is raised after it.
     */
    private record Sets(long effective, long permitted, long inheritable, long ambient, byte[] capsetData) {
    }

    /** Made values, by what makes them: a configuration asks for the same few sets again and again. */
    private static final Map<Key, Capabilities> MADE = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MADE_LIMIT = 256;

    private record Key(long mask, long added, int last) {
    }

    private static Capabilities make(long mask, long added, int last) {
        Key key = new Key(mask & allUpTo(last), added & mask & allUpTo(last), last);
        Capabilities c = MADE.get(key);
        if (c == null) {
            if (MADE.size() >= MADE_LIMIT) {
                MADE.clear();
            }
            c = MADE.computeIfAbsent(key, k -> new Capabilities(k.mask(), k.added(), k.last()));
        }
        return c;
    }

    private Capabilities(long mask, long added, int last) {
        this.last = last;
        this.mask = mask & allUpTo(last);
        this.granted = added & this.mask;
        this.dropped = numbers(~this.mask & allUpTo(last));
        this.kept = numbers(this.mask);
        this.keptByUser = numbers(granted);
        this.rootData = capsetData(this.mask, 0);
        this.userData = capsetData(granted, granted);
        this.names = IntStream.of(kept).mapToObj(Capabilities::name).toList();
        this.sets = null;
    }

    private Capabilities(long bounding, long effective, long permitted, long inheritable, long ambient, int last) {
        this.last = last;
        this.mask = bounding & allUpTo(last);
        this.granted = ambient & allUpTo(last);
        this.dropped = numbers(~this.mask & allUpTo(last));
        this.kept = numbers(this.mask);
        this.keptByUser = numbers(this.granted);
        this.rootData = null;
        this.userData = null;
        this.names = IntStream.of(kept).mapToObj(Capabilities::name).toList();
        long all = allUpTo(last);
        this.sets = new Sets(effective & all, permitted & all, inheritable & all, ambient & all,
                capsetData(effective & all, permitted & all, inheritable & all));
    }

    /**
     * The five sets given explicitly, as OCI's {@code process.capabilities} gives them,
     * instead of Docker's default with capAdd and capDrop: masks of capability numbers
     * ({@link #named}). The kernel's rules are the caller's to check first (ambient within
     * permitted and inheritable, effective within permitted; see
     * {@code ConfigRules.capabilitySets}). For root, execve makes the permitted and effective
     * sets the bounding set (no {@code SECBIT_NOROOT}, as under runc), unless no_new_privs
     * keeps it from gaining any.
     */
    public static Capabilities explicit(long bounding, long effective, long permitted, long inheritable, long ambient) {
        return new Capabilities(bounding, effective, permitted, inheritable, ambient, Kernel.lastCapability());
    }

    /** Whether the sets were given one by one ({@link #explicit}). */
    public boolean isExplicit() {
        return sets != null;
    }

    /** The option the sets came from, for the purposes of their steps. */
    public String option() {
        return sets != null ? "capabilitySets" : "capAdd/capDrop";
    }

    private static int[] numbers(long bits) {
        return IntStream.range(0, 64).filter(cap -> (bits & (1L << cap)) != 0).toArray();
    }

    private static byte[] capsetData(long bits, long inheritable) {
        return capsetData(bits, bits, inheritable);
    }

    private static byte[] capsetData(long effective, long permitted, long inheritable) {
        int size = (int) linux_h.HAKO_CAP_DATA_SIZE();
        MemorySegment data = MemorySegment.ofArray(new byte[2 * size]);
        for (int word = 0; word < 2; word++) {
            data.set(UNALIGNED_INT, (long) word * size + linux_h.HAKO_CAP_DATA_EFFECTIVE(),
                    (int) (effective >>> (32 * word)));
            data.set(UNALIGNED_INT, (long) word * size + linux_h.HAKO_CAP_DATA_PERMITTED(),
                    (int) (permitted >>> (32 * word)));
            data.set(UNALIGNED_INT, (long) word * size + linux_h.HAKO_CAP_DATA_INHERITABLE(),
                    (int) (inheritable >>> (32 * word)));
        }
        return data.toArray(JAVA_BYTE);
    }

    /** Docker's 14 defaults, as the running kernel knows them. */
    public static Capabilities dockerDefault() {
        return of(List.of(), List.of());
    }

    /**
     * Docker's defaults less {@code drop}, plus {@code add}, as {@code docker run
     * --cap-add/--cap-drop} combine them: {@code capDrop("ALL")} with {@code capAdd("X")}
     * keeps X alone; {@code capAdd("ALL")} gives every capability but those dropped by name.
     *
     * @throws IllegalArgumentException for an unknown name, naming the option it came from
     */
    public static Capabilities of(Collection<String> add, Collection<String> drop) {
        return of(add, drop, Kernel.lastCapability());
    }

    /** {@link #of} for a kernel whose last capability is {@code last} (for tests). */
    static Capabilities of(Collection<String> add, Collection<String> drop, int last) {
        long added = maskOf(add, "capAdd");
        long dropped = maskOf(drop, "capDrop");
        long mask = added == -1L ? ~dropped : (DOCKER_DEFAULT_MASK & ~dropped) | added;
        return make(mask, added, last);
    }

    /** The capabilities {@code names} names one by one ({@code ALL} left out), as a mask. */
    public static long named(Collection<String> names, String option) {
        long mask = 0;
        for (String name : names) {
            if (name != null && !normalize(name).equals("ALL")) {
                mask |= 1L << number(name, option);
            }
        }
        return mask;
    }

    /**
     * This set less what {@code available} lacks: what a process holding only
     * {@code available} (the JVM) can hand on, since capset never raises a set above the
     * caller's own.
     */
    public Capabilities within(long available) {
        if (sets != null) {
            return new Capabilities(mask & available, sets.effective() & available, sets.permitted() & available,
                    sets.inheritable() & available, sets.ambient() & available, last);
        }
        return make(mask & available, granted & available, last);
    }

    /** Names of the capabilities in {@code bits}, like {@code CAP_SYS_RESOURCE, CAP_BPF}. */
    public static String names(long bits) {
        StringJoiner joined = new StringJoiner(", ");
        for (int cap : numbers(bits)) {
            joined.add(name(cap));
        }
        return joined.toString();
    }

    /** The number of capability {@code name} ({@code CAP_} optional, any case). */
    public static int number(String name, String option) {
        Integer n = NUMBERS.get(normalize(name));
        if (n == null) {
            throw new IllegalArgumentException(option + "(\"" + name + "\"): no such capability; known are "
                    + String.join(", ", NUMBERS.keySet()) + " (CAP_ prefix optional) and ALL");
        }
        return n;
    }

    /** The name of capability {@code number}, like {@code CAP_CHOWN}. */
    public static String name(int number) {
        for (Map.Entry<String, Integer> e : NUMBERS.entrySet()) {
            if (e.getValue() == number) {
                return "CAP_" + e.getKey();
            }
        }
        return "CAP_" + number;
    }

    private static long maskOf(Collection<String> names, String option) {
        long mask = 0;
        for (String name : names) {
            if (name == null) {
                throw new IllegalArgumentException(option + ": a capability name is null");
            }
            mask |= normalize(name).equals("ALL") ? -1L : 1L << number(name, option);
        }
        return mask;
    }

    private static String normalize(String name) {
        String upper = name.trim().toUpperCase(Locale.ROOT);
        return upper.startsWith("CAP_") ? upper.substring(4) : upper;
    }

    private static long allUpTo(int last) {
        return last >= 63 ? -1L : (1L << (last + 1)) - 1;
    }

    /** The set as a bit mask, as /proc/PID/status prints it (CapEff and the others). */
    public long mask() {
        return mask;
    }

    /** What a non-root user keeps: the capabilities it was given by {@code capAdd}. */
    public long grantedToUser() {
        return granted;
    }

    /** Whether capability {@code number} is kept. */
    public boolean has(int number) {
        return number >= 0 && number < 64 && (mask & (1L << number)) != 0;
    }

    /**
     * Drops from the bounding set every capability not kept: {@code prctl(PR_CAPBSET_DROP, cap)}
     * for each. Runs while the child is still root with every capability (it needs CAP_SETPCAP).
     */
    public void addBoundingSteps(ChildProgram.Builder p) {
        for (int cap : dropped) {
            // Named only when printed: a start writes about thirty of these.
            p.step(linux_h.SYS_prctl(), () -> "prctl(PR_CAPBSET_DROP, " + name(cap) + ")", linux_h.PR_CAPBSET_DROP(), cap);
        }
    }

    /**
     * Keeps the permitted set across the change to a non-zero uid ({@code PR_SET_KEEPCAPS},
     * cleared again by execve). Added before the uid change.
     */
    public void addKeepSteps(ChildProgram.Builder p) {
        p.step(linux_h.SYS_prctl(), () -> "prctl(PR_SET_KEEPCAPS, 1)", linux_h.PR_SET_KEEPCAPS(), 1)
                .note("the uid change keeps the permitted set; the effective one is restored by capset");
    }

    /**
     * Sets the effective and permitted sets ({@code capset}). Root keeps the whole set and
     * needs no more: execve gives uid 0 its bounding set, and empty inheritable and ambient
     * sets are what Docker and Podman show (and 14 fewer system calls per start). A non-root
     * user keeps only what {@code capAdd} named (as Podman does; under Docker it would keep
     * nothing), so that a user is not root in all but name by default, and can be given,
     * say, NET_BIND_SERVICE: those go into the inheritable set too and are raised into the
     * ambient set, the only way they survive execve. Added after the uid change.
     */
    public void addSetSteps(ChildProgram.Builder p, boolean root) {
        MemorySegment header = p.arena().allocate(linux_h.HAKO_CAP_HEADER_SIZE(), 4);
        header.set(JAVA_INT, linux_h.HAKO_CAP_HEADER_VERSION(), linux_h._LINUX_CAPABILITY_VERSION_3());
        header.set(JAVA_INT, linux_h.HAKO_CAP_HEADER_PID(), 0);
        byte[] bytes = sets != null ? sets.capsetData() : root ? rootData : userData;
        MemorySegment data = p.arena().allocate(bytes.length, 4);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, bytes.length);
        String text = sets != null ? "effective=" + describe(numbers(sets.effective())) + ", permitted="
                + describe(numbers(sets.permitted())) + ", inheritable=" + describe(numbers(sets.inheritable()))
                : root ? "effective=permitted=" + describe(kept) + ", inheritable=0"
                : "effective=permitted=inheritable=" + describe(keptByUser);
        p.step(linux_h.SYS_capset(), () -> "capset({_LINUX_CAPABILITY_VERSION_3, 0}, {" + text + "})",
                header.address(), data.address());
        if (root && sets == null) {
            return;
        }
        for (int cap : keptByUser) { // with explicit sets: the ambient set
            String name = name(cap);
            p.step(linux_h.SYS_prctl(), () -> "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, " + name + ")",
                    linux_h.PR_CAP_AMBIENT(), linux_h.PR_CAP_AMBIENT_RAISE(), cap, 0, 0);
        }
    }

    /** The names of the capabilities kept (the bounding set), like {@code CAP_CHOWN}. */
    public List<String> names() {
        return names;
    }

    /** The names, like {@code CAP_CHOWN|CAP_KILL}, or {@code 0} for none. */
    public String describe() {
        return describe(kept);
    }

    private static String describe(int[] caps) {
        if (caps.length == 0) {
            return "0";
        }
        StringJoiner out = new StringJoiner("|");
        for (int cap : caps) {
            out.add(name(cap));
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Capabilities c && c.mask == mask && c.granted == granted && c.last == last
                && java.util.Objects.equals(c.masks(), masks());
    }

    /** The explicit sets as masks (effective, permitted, inheritable, ambient), or null. */
    private List<Long> masks() {
        return sets == null ? null : List.of(sets.effective(), sets.permitted(), sets.inheritable(), sets.ambient());
    }

    @Override
    public int hashCode() {
        return ((Long.hashCode(mask) * 31 + Long.hashCode(granted)) * 31 + last) * 31 + java.util.Objects.hashCode(masks());
    }

    @Override
    public String toString() {
        return sets == null ? "Capabilities[" + describe() + "]"
                : "Capabilities[bounding=" + describe() + ", effective=" + describe(numbers(sets.effective()))
                + ", permitted=" + describe(numbers(sets.permitted())) + ", inheritable="
                + describe(numbers(sets.inheritable())) + ", ambient=" + describe(numbers(sets.ambient())) + "]";
    }

    private static Map<String, Integer> numbers() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("CHOWN", linux_h.CAP_CHOWN());
        m.put("DAC_OVERRIDE", linux_h.CAP_DAC_OVERRIDE());
        m.put("DAC_READ_SEARCH", linux_h.CAP_DAC_READ_SEARCH());
        m.put("FOWNER", linux_h.CAP_FOWNER());
        m.put("FSETID", linux_h.CAP_FSETID());
        m.put("KILL", linux_h.CAP_KILL());
        m.put("SETGID", linux_h.CAP_SETGID());
        m.put("SETUID", linux_h.CAP_SETUID());
        m.put("SETPCAP", linux_h.CAP_SETPCAP());
        m.put("LINUX_IMMUTABLE", linux_h.CAP_LINUX_IMMUTABLE());
        m.put("NET_BIND_SERVICE", linux_h.CAP_NET_BIND_SERVICE());
        m.put("NET_BROADCAST", linux_h.CAP_NET_BROADCAST());
        m.put("NET_ADMIN", linux_h.CAP_NET_ADMIN());
        m.put("NET_RAW", linux_h.CAP_NET_RAW());
        m.put("IPC_LOCK", linux_h.CAP_IPC_LOCK());
        m.put("IPC_OWNER", linux_h.CAP_IPC_OWNER());
        m.put("SYS_MODULE", linux_h.CAP_SYS_MODULE());
        m.put("SYS_RAWIO", linux_h.CAP_SYS_RAWIO());
        m.put("SYS_CHROOT", linux_h.CAP_SYS_CHROOT());
        m.put("SYS_PTRACE", linux_h.CAP_SYS_PTRACE());
        m.put("SYS_PACCT", linux_h.CAP_SYS_PACCT());
        m.put("SYS_ADMIN", linux_h.CAP_SYS_ADMIN());
        m.put("SYS_BOOT", linux_h.CAP_SYS_BOOT());
        m.put("SYS_NICE", linux_h.CAP_SYS_NICE());
        m.put("SYS_RESOURCE", linux_h.CAP_SYS_RESOURCE());
        m.put("SYS_TIME", linux_h.CAP_SYS_TIME());
        m.put("SYS_TTY_CONFIG", linux_h.CAP_SYS_TTY_CONFIG());
        m.put("MKNOD", linux_h.CAP_MKNOD());
        m.put("LEASE", linux_h.CAP_LEASE());
        m.put("AUDIT_WRITE", linux_h.CAP_AUDIT_WRITE());
        m.put("AUDIT_CONTROL", linux_h.CAP_AUDIT_CONTROL());
        m.put("SETFCAP", linux_h.CAP_SETFCAP());
        m.put("MAC_OVERRIDE", linux_h.CAP_MAC_OVERRIDE());
        m.put("MAC_ADMIN", linux_h.CAP_MAC_ADMIN());
        m.put("SYSLOG", linux_h.CAP_SYSLOG());
        m.put("WAKE_ALARM", linux_h.CAP_WAKE_ALARM());
        m.put("BLOCK_SUSPEND", linux_h.CAP_BLOCK_SUSPEND());
        m.put("AUDIT_READ", linux_h.CAP_AUDIT_READ());
        m.put("PERFMON", linux_h.CAP_PERFMON());
        m.put("BPF", linux_h.CAP_BPF());
        m.put("CHECKPOINT_RESTORE", linux_h.CAP_CHECKPOINT_RESTORE());
        return Collections.unmodifiableMap(m);
    }
}
