package dev.hako.cgroup;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that says which file each limit is written to on cgroup v1 and v2, in
 * which order and in which format. {@link LimitWriter} writes what {@link #writes}
 * returns; {@link #markdownTable()} renders the same facts for the README.
 *
 * <p>Order matters on v1: {@code memory.memsw.limit_in_bytes} cannot go below
 * {@code memory.limit_in_bytes}, so the memory limit is written first, and
 * {@code cpu.cfs_quota_us} is checked against the period, so the period goes first. The
 * constants are declared in writing order.
 */
public enum LimitOption {
    MEMORY_LIMIT("memoryLimit", Controller.MEMORY, "memory.limit_in_bytes", "bytes",
            "memory.max", "bytes", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            return l.memoryLimit() == null ? List.of()
                    : List.of(one(v2 ? "memory.max" : "memory.limit_in_bytes", l.memoryLimit()));
        }
    },
    MEMORY_SWAP("memorySwapLimit", Controller.MEMORY, "memory.memsw.limit_in_bytes", "bytes of memory + swap, -1 = unlimited",
            "memory.swap.max", "memorySwapLimit - memoryLimit (swap alone), or max",
            "the kernel does not account swap: boot it with swapaccount=1 (v1) or use a kernel with"
                    + " CONFIG_MEMCG_SWAP, or leave memorySwapLimit unset") {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            Long swap = l.memorySwap();
            if (swap == null) {
                return List.of();
            }
            if (!v2) {
                return List.of(one("memory.memsw.limit_in_bytes", swap));
            }
            return List.of(one("memory.swap.max", swap == -1 ? "max" : Long.toString(swap - l.memoryLimit())));
        }
    },
    MEMORY_RESERVATION("memoryReservation", Controller.MEMORY, "memory.soft_limit_in_bytes", "bytes",
            "memory.low", "bytes", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            return l.memoryReservation() == null ? List.of()
                    : List.of(one(v2 ? "memory.low" : "memory.soft_limit_in_bytes", l.memoryReservation()));
        }
    },
    CPU_QUOTA("cpus", Controller.CPU, "cpu.cfs_period_us, then cpu.cfs_quota_us",
            "period µs, then quota µs", "cpu.max", "\"quota period\" (\"max period\" without quota)",
            "the kernel has no CFS bandwidth control (CONFIG_CFS_BANDWIDTH): leave cpus unset") {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            Long period = l.effectiveCpuPeriod();
            if (period == null) {
                return List.of();
            }
            Long quota = l.cpuQuota();
            if (v2) {
                return List.of(one("cpu.max", (quota == null ? "max" : quota.toString()) + " " + period));
            }
            List<FileWrite> writes = new ArrayList<>();
            writes.add(one("cpu.cfs_period_us", period));
            if (quota != null) {
                writes.add(one("cpu.cfs_quota_us", quota));
            }
            return writes;
        }
    },
    CPU_SHARES("cpuShares", Controller.CPU, "cpu.shares", "shares (2..262144)",
            "cpu.weight", "1 + (shares - 2) * 9999 / 262142", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            Integer shares = l.cpuShares();
            return shares == null ? List.of()
                    : List.of(v2 ? one("cpu.weight", cpuWeight(shares)) : one("cpu.shares", shares));
        }
    },
    CPUSET_CPUS("cpusetCpus", Controller.CPUSET, "cpuset.cpus", "list, like 0-1,3",
            "cpuset.cpus", "list, like 0-1,3", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            return l.cpusetCpus() == null ? List.of() : List.of(one("cpuset.cpus", l.cpusetCpus().strip()));
        }
    },
    CPUSET_MEMS("cpusetMems", Controller.CPUSET, "cpuset.mems", "list, like 0",
            "cpuset.mems", "list, like 0", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            return l.cpusetMems() == null ? List.of() : List.of(one("cpuset.mems", l.cpusetMems().strip()));
        }
    },
    PIDS_LIMIT("pidsLimit", Controller.PIDS, "pids.max", "count", "pids.max", "count", null) {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            return l.pidsLimit() == null ? List.of() : List.of(one("pids.max", l.pidsLimit()));
        }
    },
    IO_WEIGHT("ioWeight", Controller.BLKIO, "blkio.weight, or blkio.bfq.weight where that is what exists",
            "weight (10..1000)", "io.weight, or io.bfq.weight where that is what exists",
            "\"default \" + (1 + (weight - 10) * 9999 / 990); io.bfq.weight: \"default weight\"",
            "no weight file exists: the disk's I/O scheduler does not do weights (use BFQ:"
                    + " echo bfq > /sys/block/DEVICE/queue/scheduler), or leave ioWeight unset") {
        @Override
        List<FileWrite> writes(CgroupLimits l, boolean v2) {
            Integer w = l.ioWeight();
            if (w == null) {
                return List.of();
            }
            return List.of(v2
                    ? new FileWrite(this, List.of(new FileWrite.Target("io.weight", "default " + ioWeight(w)),
                            new FileWrite.Target("io.bfq.weight", "default " + w)))
                    : new FileWrite(this, List.of(new FileWrite.Target("blkio.weight", w.toString()),
                            new FileWrite.Target("blkio.bfq.weight", w.toString()))));
        }
    };

    private final String option;
    private final Controller controller;
    private final String v1Files;
    private final String v1Format;
    private final String v2Files;
    private final String v2Format;
    private final String missingHint;

    LimitOption(String option, Controller controller, String v1Files, String v1Format, String v2Files,
            String v2Format, String missingHint) {
        this.option = option;
        this.controller = controller;
        this.v1Files = v1Files;
        this.v1Format = v1Format;
        this.v2Files = v2Files;
        this.v2Format = v2Format;
        this.missingHint = missingHint;
    }

    /** The option's name in {@link CgroupLimits} and in error messages, like {@code memoryLimit}. */
    public String option() {
        return option;
    }

    /** The controller the option needs. */
    public Controller controller() {
        return controller;
    }

    /** The file(s) written on cgroup v1, for documentation. */
    public String v1Files() {
        return v1Files;
    }

    /** What is written to them on v1. */
    public String v1Format() {
        return v1Format;
    }

    /** The file(s) written on cgroup v2, for documentation. */
    public String v2Files() {
        return v2Files;
    }

    /** What is written to them on v2. */
    public String v2Format() {
        return v2Format;
    }

    /** What to do when the file is missing although the controller is there; null for none. */
    String missingHint() {
        return missingHint;
    }

    /** Whether {@code limits} sets this option. */
    public boolean isSet(CgroupLimits limits) {
        return !writes(limits, false).isEmpty();
    }

    /** The writes that apply {@code limits}' value of this option, in order; empty when unset. */
    abstract List<FileWrite> writes(CgroupLimits limits, boolean v2);

    final FileWrite one(String file, Object value) {
        return new FileWrite(this, List.of(new FileWrite.Target(file, value.toString())));
    }

    /** Docker's {@code --cpu-shares} as a v2 {@code cpu.weight}: 2..262144 onto 1..10000, as runc maps it. */
    public static long cpuWeight(int shares) {
        return 1 + ((shares - 2L) * 9999) / 262142;
    }

    /** Docker's {@code --blkio-weight} as a v2 {@code io.weight}: 10..1000 onto 1..10000, as runc maps it. */
    public static long ioWeight(int weight) {
        return 1 + ((weight - 10L) * 9999) / 990;
    }

    /** The mapping as a Markdown table, for the README. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder();
        out.append("| option | controller | cgroup v1 file | v1 value | cgroup v2 file | v2 value |\n");
        out.append("| --- | --- | --- | --- | --- | --- |\n");
        for (LimitOption o : values()) {
            out.append("| `").append(o.option).append("` | ").append(o.controller.v1Name())
                    .append(o.controller.v2Name().filter(n -> !n.equals(o.controller.v1Name()))
                            .map(n -> " / " + n).orElse(""))
                    .append(" | ").append(code(o.v1Files)).append(" | ").append(o.v1Format)
                    .append(" | ").append(code(o.v2Files)).append(" | ").append(o.v2Format).append(" |\n");
        }
        return out.toString();
    }

    /** File names in backticks, the words between them not. */
    private static String code(String files) {
        return files.replaceAll("([a-z_]+\\.[a-z_.]+)", "`$1`");
    }

    /**
     * One value to write to the first of its target files that exists.
     *
     * @param option what it sets
     * @param targets the file and value to use, in order of preference (usually one)
     */
    record FileWrite(LimitOption option, List<Target> targets) {
        record Target(String file, String value) {
        }
    }
}
