package dev.hako.cgroup;

import dev.hako.linux.SmallFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The resource limits of one container, with Docker's meanings. Every field is optional:
 * null leaves the kernel's default (no limit) in place.
 *
 * <p>Made with {@link #builder()}. The record holds values, not judgements: {@link #validate(String, String)} checks
 * them against the ranges Docker and the kernel accept, and should run before anything
 * is created. Unlike Docker, an unset {@code memorySwap} does not default to twice the
 * memory limit: swap stays as the kernel has it (unlimited).
 *
 * @param memoryLimit hard memory limit in bytes (docker {@code --memory}); at least 6 MiB
 * @param memorySwap memory plus swap in bytes, -1 for unlimited swap (docker
 *                   {@code --memory-swap}); needs {@code memoryLimit}, and at least it
 * @param memoryReservation soft limit in bytes that the kernel reclaims down to under
 *                          memory pressure (docker {@code --memory-reservation})
 * @param cpuQuota CPU time in microseconds the container may use per {@code cpuPeriod}
 *                 (see {@link Builder#cpus(double)})
 * @param cpuPeriod the accounting period in microseconds, 1000 to 1000000; 100000 when
 *                  only the quota is set
 * @param cpuShares relative CPU weight, 2 to 262144, 1024 being the default (docker
 *                  {@code --cpu-shares}); on v2 it becomes {@code cpu.weight}
 * @param cpusetCpus the CPUs allowed, like {@code 0-1,3} (docker {@code --cpuset-cpus})
 * @param cpusetMems the memory nodes allowed, like {@code 0} (docker {@code --cpuset-mems})
 * @param pidsLimit the most processes and threads, at least 1 (docker {@code --pids-limit})
 * @param ioWeight relative block I/O weight, 10 to 1000 (docker {@code --blkio-weight});
 *                 on v2 it becomes {@code io.weight}
 */
public record CgroupLimits(
        Long memoryLimit,
        Long memorySwap,
        Long memoryReservation,
        Long cpuQuota,
        Long cpuPeriod,
        Integer cpuShares,
        String cpusetCpus,
        String cpusetMems,
        Long pidsLimit,
        Integer ioWeight) {

    /** No limits at all. */
    public static final CgroupLimits NONE = builder().build();

    /** Docker's smallest memory limit (and reservation): 6 MiB. Below that a container barely starts. */
    public static final long MIN_MEMORY = 6L * 1024 * 1024;
    /** The CFS period Docker uses for {@code --cpus}: 100 ms. */
    public static final long DEFAULT_CPU_PERIOD = 100_000;
    /** The kernel's bounds for {@code cpu.cfs_period_us}: 1 ms to 1 s. */
    public static final long MIN_CPU_PERIOD = 1_000;
    public static final long MAX_CPU_PERIOD = 1_000_000;
    /** The kernel's smallest CFS quota: 1 ms per period. */
    public static final long MIN_CPU_QUOTA = 1_000;
    /** Docker's range for {@code --cpu-shares}, the kernel's for {@code cpu.shares}. */
    public static final int MIN_CPU_SHARES = 2;
    public static final int MAX_CPU_SHARES = 262_144;
    /** Docker's range for {@code --blkio-weight}. */
    public static final int MIN_IO_WEIGHT = 10;
    public static final int MAX_IO_WEIGHT = 1000;

    /** Whether no limit is set. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** A builder for limits, with every option unset; {@link Builder#build()} makes the record once. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Collects the options one by one. It holds values only: {@link #validate()} judges them,
     * once all are known, since some are only wrong together (swap below memory).
     */
    public static final class Builder {
        private Long memoryLimit;
        private Long memorySwap;
        private Long memoryReservation;
        private Long cpuQuota;
        private Long cpuPeriod;
        private Integer cpuShares;
        private String cpusetCpus;
        private String cpusetMems;
        private Long pidsLimit;
        private Integer ioWeight;

        private Builder() {
        }

        /** A hard memory limit ({@code --memory}). */
        public Builder memoryLimit(long bytes) {
            memoryLimit = bytes;
            return this;
        }

        /** A memory-plus-swap limit ({@code --memory-swap}); -1 for unlimited swap. */
        public Builder memorySwap(long bytes) {
            memorySwap = bytes;
            return this;
        }

        /** A soft memory limit ({@code --memory-reservation}). */
        public Builder memoryReservation(long bytes) {
            memoryReservation = bytes;
            return this;
        }

        /** A CPU quota of {@code quota} microseconds per {@code period} microseconds. */
        public Builder cpuQuota(long quota, long period) {
            cpuQuota = quota;
            cpuPeriod = period;
            return this;
        }

        /**
         * At most {@code cpus} CPUs' worth of time, like docker {@code --cpus}: a quota of
         * {@code cpus * 100000} microseconds per 100000 (0.2 is 20000 per 100000).
         *
         * @throws IllegalArgumentException if {@code cpus} is not a number above 0, which
         *         no quota could express (unlike the quota's range, checked by validate)
         */
        public Builder cpus(double cpus) {
            if (!(cpus > 0) || Double.isInfinite(cpus)) {
                throw new IllegalArgumentException("cpus " + cpus + " must be a number of CPUs above 0,"
                        + " like 0.5 for half of one CPU or 2 for two");
            }
            return cpuQuota(Math.round(cpus * DEFAULT_CPU_PERIOD), DEFAULT_CPU_PERIOD);
        }

        /** A relative CPU weight ({@code --cpu-shares}). */
        public Builder cpuShares(int shares) {
            cpuShares = shares;
            return this;
        }

        /** The CPUs allowed ({@code --cpuset-cpus}), like {@code 0-1,3}. */
        public Builder cpusetCpus(String cpus) {
            cpusetCpus = Objects.requireNonNull(cpus, "cpus");
            return this;
        }

        /** The memory nodes allowed ({@code --cpuset-mems}), like {@code 0}. */
        public Builder cpusetMems(String mems) {
            cpusetMems = Objects.requireNonNull(mems, "mems");
            return this;
        }

        /** A cap on processes and threads ({@code --pids-limit}). */
        public Builder pidsLimit(long max) {
            pidsLimit = max;
            return this;
        }

        /** A relative block I/O weight ({@code --blkio-weight}). */
        public Builder ioWeight(int weight) {
            ioWeight = weight;
            return this;
        }

        /** The limits set so far; the builder stays usable, and later calls do not change them. */
        public CgroupLimits build() {
            return new CgroupLimits(memoryLimit, memorySwap, memoryReservation, cpuQuota, cpuPeriod, cpuShares,
                    cpusetCpus, cpusetMems, pidsLimit, ioWeight);
        }
    }

    /** The period that applies: {@code cpuPeriod}, else 100000 when a quota is set; null when neither is. */
    public Long effectiveCpuPeriod() {
        return cpuPeriod != null ? cpuPeriod : cpuQuota != null ? DEFAULT_CPU_PERIOD : null;
    }

    /**
     * {@link #validate(String, String)} against this machine's online CPUs and memory nodes
     * ({@code /sys/devices/system/cpu/online} and {@code /sys/devices/system/node/online};
     * a kernel without NUMA has only node 0).
     */
    public void validate() throws IOException {
        if (isEmpty()) {
            return;
        }
        boolean cpuBound = cpuQuota != null || cpusetCpus != null || cpusetMems != null;
        String cpus = cpuBound ? SmallFiles.read(Path.of("/sys/devices/system/cpu/online")) : "0";
        String nodes = "0";
        if (cpusetMems != null) {
            try {
                nodes = SmallFiles.read(Path.of("/sys/devices/system/node/online"));
            } catch (NoSuchFileException e) {
                nodes = "0";
            }
        }
        validate(cpus, nodes);
    }

    /**
     * Checks every value that is set against the range Docker and the kernel accept.
     *
     * @param onlineCpus the online CPUs in list format, like {@code 0-7}
     * @param onlineMems the online memory nodes in list format, like {@code 0}
     * @throws IllegalArgumentException naming the first option that is wrong, its value,
     *                                  and the valid range
     */
    public void validate(String onlineCpus, String onlineMems) {
        if (memoryLimit != null && memoryLimit < MIN_MEMORY) {
            throw new IllegalArgumentException("memoryLimit " + bytes(memoryLimit) + " is below the minimum of 6m"
                    + " (6291456 bytes): a container needs at least that much to start");
        }
        if (memorySwap != null) {
            if (memoryLimit == null) {
                throw new IllegalArgumentException("memorySwapLimit " + bytes(memorySwap) + " needs memoryLimit:"
                        + " it is the limit on memory plus swap, so set memoryLimit too (or leave memorySwapLimit unset)");
            }
            if (memorySwap != -1 && memorySwap < memoryLimit) {
                throw new IllegalArgumentException("memorySwapLimit " + bytes(memorySwap) + " is below memoryLimit "
                        + bytes(memoryLimit) + ": it counts memory plus swap, so it must be at least memoryLimit,"
                        + " or -1 for unlimited swap");
            }
        }
        if (memoryReservation != null) {
            if (memoryReservation < MIN_MEMORY) {
                throw new IllegalArgumentException("memoryReservation " + bytes(memoryReservation)
                        + " is below the minimum of 6m (6291456 bytes)");
            }
            if (memoryLimit != null && memoryReservation > memoryLimit) {
                throw new IllegalArgumentException("memoryReservation " + bytes(memoryReservation)
                        + " is above memoryLimit " + bytes(memoryLimit)
                        + ": the soft limit must not exceed the hard one");
            }
        }
        validateCpu(onlineCpus);
        if (cpuShares != null && (cpuShares < MIN_CPU_SHARES || cpuShares > MAX_CPU_SHARES)) {
            throw new IllegalArgumentException("cpuShares " + cpuShares + " is out of range: use "
                    + MIN_CPU_SHARES + " to " + MAX_CPU_SHARES + " (1024 is the default weight)");
        }
        validateList("cpusetCpus", cpusetCpus, "CPU", onlineCpus, "/sys/devices/system/cpu/online");
        validateList("cpusetMems", cpusetMems, "memory node", onlineMems, "/sys/devices/system/node/online");
        if (pidsLimit != null && pidsLimit < 1) {
            throw new IllegalArgumentException("pidsLimit " + pidsLimit + " is out of range: use 1 or more"
                    + " (leave it unset for no limit)");
        }
        if (ioWeight != null && (ioWeight < MIN_IO_WEIGHT || ioWeight > MAX_IO_WEIGHT)) {
            throw new IllegalArgumentException("ioWeight " + ioWeight + " is out of range: use "
                    + MIN_IO_WEIGHT + " to " + MAX_IO_WEIGHT);
        }
    }

    private void validateCpu(String onlineCpus) {
        Long period = effectiveCpuPeriod();
        if (period != null && (period < MIN_CPU_PERIOD || period > MAX_CPU_PERIOD)) {
            throw new IllegalArgumentException("cpuPeriod " + period + " is out of range: use "
                    + MIN_CPU_PERIOD + " to " + MAX_CPU_PERIOD + " microseconds (1 ms to 1 s)");
        }
        if (cpuQuota == null) {
            return;
        }
        String asCpus = "cpus " + (double) cpuQuota / period + " (cpuQuota " + cpuQuota + " per cpuPeriod "
                + period + ")";
        if (cpuQuota <= 0) {
            throw new IllegalArgumentException(asCpus + " must be above 0");
        }
        if (cpuQuota < MIN_CPU_QUOTA) {
            throw new IllegalArgumentException(asCpus + " is too small: the kernel's smallest quota is "
                    + MIN_CPU_QUOTA + " microseconds per period (cpus " + (double) MIN_CPU_QUOTA / period + ")");
        }
        int online = CpusetList.parse(onlineCpus, "online CPUs").size();
        if (cpuQuota > online * period) {
            throw new IllegalArgumentException(asCpus + " is more than the " + online + " CPUs online ("
                    + onlineCpus.strip() + "): use at most " + online);
        }
    }

    private static void validateList(String option, String value, String what, String online, String source) {
        if (value == null) {
            return;
        }
        SortedSet<Integer> wanted = CpusetList.parse(value, option);
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException(option + " is empty: name at least one " + what
                    + ", like 0 or 0-1 (leave it unset to allow all)");
        }
        SortedSet<Integer> missing = new TreeSet<>(wanted);
        missing.removeAll(CpusetList.parse(online, source));
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(option + " \"" + value + "\" names " + what
                    + (missing.size() == 1 ? " " : "s ") + CpusetList.format(missing) + ", which " + (missing.size() == 1 ? "is" : "are")
                    + " not online: this machine has " + online.strip() + " (" + source + ")");
        }
    }

    private static String bytes(long value) {
        String unit = ByteSizes.format(value);
        return unit.equals(Long.toString(value)) ? value + " bytes" : unit + " (" + value + " bytes)";
    }
}
