package dev.hako.cgroup;

import dev.hako.linux.Bpf;
import dev.hako.linux.Libc;
import dev.hako.linux.SyscallException;
import dev.hako.linux.linux_h;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Puts a {@link DevicePolicy} on a container's cgroup, in each form the machine has: on
 * the v1 devices hierarchy as deny-all plus allow entries, on the v2 directory as an
 * attached device program. Runs before the container's first process is released (see
 * {@link ContainerCgroup#applyDevicePolicy()}), so nothing of the container's own ever runs
 * without it; the child's own mknods of /dev entries during setup are allowed by the
 * policy's mknod rules whether it is in place yet or not.
 */
final class DeviceCgroup {
    /** The option a failure is reported under. */
    static final String OPTION = "device";
    /** The license the kernel asks for; it matters only to GPL-only helpers, which the program calls none of. */
    private static final String LICENSE = "unspecified";
    private static final String PROGRAM_NAME = "hako_devices";

    private DeviceCgroup() {
    }

    /** Fails, before anything is made, when the policy could not be enforced anywhere. */
    static void requireController(CgroupLayout layout) throws CgroupException {
        if (layout.location(Controller.DEVICES) == CgroupLayout.Location.NONE) {
            throw new CgroupException("the device policy needs the devices controller of cgroup v1 or a cgroup v2"
                    + " mount, and this machine has neither (" + layout + "): mount one of them");
        }
    }

    /**
     * {@code devices.deny "a"} (refuse everything, and forget what the parent allowed),
     * then one {@code devices.allow} write per rule.
     */
    static void applyV1(Path dir, DevicePolicy policy) throws IOException {
        write(dir.resolve("devices.deny"), List.of("a"));
        write(dir.resolve("devices.allow"), policy.rules().stream().map(DeviceRule::v1Entry).toList());
    }

    private static void write(Path file, List<String> values) throws IOException {
        try {
            CgroupFiles.writeEach(file, values);
        } catch (IOException e) {
            throw new CgroupException("cannot set the device policy (" + OPTION + "): writing to " + file
                    + " failed: " + CgroupFiles.reason(e), e);
        }
    }

    /**
     * Attaches the policy's program to the v2 cgroup {@code dir} with {@code BPF_F_ALLOW_MULTI}
     * (so that programs of parent cgroups, such as systemd's, keep applying too). The
     * attachment holds the program and goes away with the cgroup. The program is loaded
     * once and kept ({@link LoadedDevicePrograms}): the verifier's pass costs more than the
     * rest of the placement, attaching a loaded program a few microseconds.
     */
    static void attachV2(Path dir, DeviceProgram program) throws IOException {
        try (Libc.OpenDirectory cgroup = Libc.openDirectory(dir.toString());
             LoadedDevicePrograms.Loaded prog = LoadedDevicePrograms.get(program, () -> load(dir, program))) {
            Bpf.progAttach(cgroup.fd(), prog.fd(), linux_h.BPF_CGROUP_DEVICE(), linux_h.BPF_F_ALLOW_MULTI());
        } catch (SyscallException e) {
            throw new CgroupException("cannot set the device policy (" + OPTION + ") on " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static int load(Path dir, DeviceProgram program) throws CgroupException {
        try {
            return Bpf.progLoad(linux_h.BPF_PROG_TYPE_CGROUP_DEVICE(), program.code(), program.count(), LICENSE,
                    PROGRAM_NAME);
        } catch (Bpf.LoadException e) {
            String hint = e.errno() == linux_h.EPERM() && e.verifierLog().isEmpty()
                    ? " (loading BPF programs needs CAP_SYS_ADMIN or CAP_BPF; before Linux 5.11 they also count"
                    + " against RLIMIT_MEMLOCK: raise the JVM's memlock limit)" : "";
            throw new CgroupException("cannot set the device policy (" + OPTION + ") on " + dir + ": the kernel"
                    + " refused to load " + program + ": " + e.getMessage() + hint, e);
        }
    }
}
