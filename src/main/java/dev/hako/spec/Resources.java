package dev.hako.spec;

import java.util.List;
import java.util.Map;

/**
 * {@code linux.resources}: the container's cgroup limits. {@code rdma} is kept as written
 * but not modelled; {@code unified} holds cgroup v2 file names and values.
 */
public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids, BlockIO blockIO,
                        List<HugepageLimit> hugepageLimits, Network network, RawJson rdma,
                        Map<String, String> unified) {
    public Resources {
        devices = SpecJson.copy(devices);
        hugepageLimits = SpecJson.copy(hugepageLimits);
        unified = SpecJson.copy(unified);
    }

    /**
     * One rule of the device controller, applied in order.
     *
     * @param type a (all), c or b; absent: all
     * @param major the major number, or null (or -1) for any
     * @param access some of r, w, m
     */
    public record DeviceRule(Boolean allow, String type, Long major, Long minor, String access) {
    }

    /** Memory limits in bytes, -1 for unlimited; {@code swappiness} 0 to 100. */
    public record Memory(Long limit, Long reservation, Long swap, Long kernel, Long kernelTCP, Long swappiness,
                         Boolean disableOOMKiller, Boolean useHierarchy, Boolean checkBeforeUpdate) {
    }

    /**
     * CPU limits: {@code quota} microseconds per {@code period}, a relative weight
     * ({@code shares}), the CPUs and memory nodes allowed (lists like {@code 0-3,5}).
     */
    public record Cpu(Long shares, Long quota, Long burst, Long period, Long realtimeRuntime, Long realtimePeriod,
                      String cpus, String mems, Long idle) {
    }

    /** The most tasks; 0 or -1 for no limit. */
    public record Pids(Long limit) {
    }

    /** Block I/O weights (10 to 1000) and throttles. */
    public record BlockIO(Integer weight, Integer leafWeight, List<WeightDevice> weightDevice,
                          List<ThrottleDevice> throttleReadBpsDevice, List<ThrottleDevice> throttleWriteBpsDevice,
                          List<ThrottleDevice> throttleReadIOPSDevice, List<ThrottleDevice> throttleWriteIOPSDevice) {
        public BlockIO {
            weightDevice = SpecJson.copy(weightDevice);
            throttleReadBpsDevice = SpecJson.copy(throttleReadBpsDevice);
            throttleWriteBpsDevice = SpecJson.copy(throttleWriteBpsDevice);
            throttleReadIOPSDevice = SpecJson.copy(throttleReadIOPSDevice);
            throttleWriteIOPSDevice = SpecJson.copy(throttleWriteIOPSDevice);
        }
    }

    /** A per-device weight. */
    public record WeightDevice(Long major, Long minor, Integer weight, Integer leafWeight) {
    }

    /** A per-device rate limit (bytes or operations per second). */
    public record ThrottleDevice(Long major, Long minor, Long rate) {
    }

    /** A hugetlb limit: {@code pageSize} like {@code 2MB}, {@code limit} in bytes. */
    public record HugepageLimit(String pageSize, Long limit) {
    }

    /** The net_cls class id and net_prio priorities. */
    public record Network(Long classID, List<Priority> priorities) {
        public Network {
            priorities = SpecJson.copy(priorities);
        }
    }

    /** One interface's net_prio priority. */
    public record Priority(String name, Long priority) {
    }
}
