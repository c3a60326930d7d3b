package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerProcess;
import dev.hako.Device;
import dev.hako.cgroup.CgroupLayout;
import dev.hako.cgroup.Controller;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.cgroup.DeviceRule;
import dev.hako.linux.Bpf;
import dev.hako.linux.DeviceFile;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.DevProbe;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import dev.hako.testing.TestCgroups;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.hako.testing.Containers.builder;
import static dev.hako.testing.Containers.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device policy of a container as the kernel enforces it (on this hybrid machine the
 * v2 device program; each form alone is tested in {@code DevicePolicyIT}): the standard devices work, the
 * host's root disk cannot be opened even after a successful mknod, and a device given with
 * {@code device(...)} gets exactly its permissions. Each line the probe prints is an errno.
 */
@KernelTest
class DevicesIT {
    private static final String P = DevProbe.IN_CONTAINER;

    private static String run(Container.Builder b, String script) throws Exception {
        return ok(b.mount(DevProbe.mount()).command("/bin/sh", "-c", script).run());
    }

    private static String lines(int... errnos) {
        StringBuilder out = new StringBuilder();
        for (int e : errnos) {
            out.append(e).append('\n');
        }
        return out.toString();
    }

    /**
     * major:minor of the block device the host's root filesystem is on: the device of / itself,
     * or, where that is an anonymous one (btrfs, overlay), the source of / in mountinfo.
     */
    private static int[] hostRootDisk() throws Exception {
        long dev = (Long) Files.getAttribute(Path.of("/"), "unix:dev");
        int major = linux_h.gnu_dev_major(dev);
        int minor = linux_h.gnu_dev_minor(dev);
        if (major == 0) {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                String[] after = line.substring(line.indexOf(" - ") + 3).split(" ");
                if (f[4].equals("/") && after.length > 1 && after[1].startsWith("/dev/")) {
                    var disk = DeviceFile.stat(Path.of(after[1]));
                    if (disk.isPresent() && disk.get().block()) {
                        major = disk.get().major();
                        minor = disk.get().minor();
                    }
                }
            }
        }
        assertTrue(major != 0, "the host's / is on no block device that stat or mountinfo names: this test needs"
                + " a host whose root filesystem is on a disk");
        assertTrue(Files.exists(Path.of("/sys/dev/block/" + major + ":" + minor)),
                "/sys/dev/block has no " + major + ":" + minor);
        return new int[] {major, minor};
    }

    @Test
    void theHostsRootDiskCannotBeOpenedEvenAfterMknod() throws Exception {
        int[] disk = hostRootDisk();
        String node = "/dev/hostdisk";
        String out = run(builder(), P + " mknod " + node + " b " + disk[0] + " " + disk[1]
                + "; " + P + " read " + node + "; " + P + " open " + node + " rw; " + P + " open " + node + " w");
        String[] errnos = out.split("\n");
        assertEquals(4, errnos.length, out);
        int mknod = Integer.parseInt(errnos[0]);
        assertTrue(mknod == 0 || mknod == linux_h.EPERM(), "mknod succeeds (Docker's 'm' rule) or is refused: " + out);
        assertEquals(lines(linux_h.EPERM(), linux_h.EPERM(), linux_h.EPERM()),
                out.substring(out.indexOf('\n') + 1), "reading, read-write and write opens all refused");
        assertFalse(Files.exists(Path.of(node)), "the node was made in the container's own /dev, not the host's");
    }

    @Test
    void theStandardDevicesWork() throws Exception {
        String out = run(builder(), P + " open /dev/null rw; " + P + " read /dev/zero; " + P + " read /dev/urandom; "
                + P + " read /dev/random; " + P + " open /dev/full w; " + P + " pty; " + P + " open /dev/tty rw");
        // /dev/tty is allowed: the open gets as far as the tty layer, which finds no controlling terminal
        assertEquals(lines(0, 0, 0, 0, 0, 0, linux_h.ENXIO()), out);
    }

    @Test
    void aDeviceOutsideTheDefaultListIsRefusedAndWorksOnceGiven() throws Exception {
        // /dev/fuse, 10:229: not in the default list, and opened by root with Docker's capabilities
        // (unlike /dev/kmsg, which also needs CAP_SYSLOG)
        String mknodAndOpen = P + " mknod /dev/fuse c 10 229; " + P + " open /dev/fuse r";
        assertEquals(lines(0, linux_h.EPERM()), run(builder(), mknodAndOpen));
        String given = P + " open /dev/fuse r; " + P + " open /dev/fuse w; " + P + " open /dev/fuse rw";
        assertEquals(lines(0, linux_h.EPERM(), linux_h.EPERM()), run(builder().device("/dev/fuse:r"), given),
                "\"r\" only: a write open is refused");
        assertEquals(lines(0, 0, 0), run(builder().device(Device.of("/dev/fuse").permissions("rw")), given),
                "the control: with \"rw\" the same opens work");
    }

    @Test
    void aGivenDeviceCanBePutElsewhereInDevWithTheHostsModeAndOwner() throws Exception {
        String out = run(builder().device("/dev/fuse:/dev/misc/fuse:r"),
                "[ -c /dev/misc/fuse ] && echo chardev; ls -ln /dev/misc/fuse | while read mode links uid gid rest; do"
                        + " echo $mode $uid $gid; done; " + P + " open /dev/misc/fuse r");
        String host = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/fuse")));
        assertEquals("chardev\nc" + host + " " + Files.getAttribute(Path.of("/dev/fuse"), "unix:uid") + " "
                + Files.getAttribute(Path.of("/dev/fuse"), "unix:gid") + "\n0\n", out);
    }

    @Test
    void theContainersCgroupHoldsThePolicyInTheFormTheMachineEnforces() throws Exception {
        CgroupLayout layout = CgroupLayout.detect();
        try (Container c = builder().command("cat").build()) {
            ContainerProcess p = c.start();
            if (layout.unifiedMount().isEmpty()) {
                Path dir = TestCgroups.containerDir(Controller.DEVICES, c.id());
                assertEquals(DevicePolicy.DEFAULT_RULES.stream().map(DeviceRule::v1Entry).toList(),
                        Files.readAllLines(dir.resolve("devices.list")));
            } else if (layout.location(Controller.DEVICES) == CgroupLayout.Location.V1) {
                assertFalse(Files.exists(TestCgroups.containerDir(Controller.DEVICES, c.id())),
                        "hybrid: the v2 program alone enforces the policy, no v1 devices cgroup");
            }
            Path v2 = TestCgroups.unifiedDir(c.id()).orElseThrow();
            try (Libc.OpenDirectory fd = Libc.openDirectory(v2.toString())) {
                assertEquals(1, Bpf.progCount(fd.fd(), linux_h.BPF_CGROUP_DEVICE()), "one device program on " + v2);
            }
            p.getOutputStream().close();
            assertEquals(0, p.waitFor());
        }
    }

    @Test
    void badDevicesFailInBuildNamingTheOptionAndLeaveNothing(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("regular"), "not a device");
        Path loop = tmp.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        ok(builder().command("true").run()); // warm-up
        JvmResources before = JvmResources.snapshot();
        List<String> cgroupsBefore = TestCgroups.containerCgroups();
        for (int i = 0; i < 5; i++) {
            assertBuildFails(builder().device("/dev/no-such-device-hako"), "/dev/no-such-device-hako", "does not exist");
            assertBuildFails(builder().device(Device.of(file.toString()).at("/dev/regular")), file.toString(),
                    "not a character or block device");
            assertBuildFails(builder().device(Device.of(loop.toString()).at("/dev/loop")), loop.toString(),
                    "symbolic links");
            assertBuildFails(builder().device(Device.of("/dev/fuse")).device("/dev/null:/dev/fuse"), "/dev/fuse",
                    "another device");
        }
        JvmResources.assertNoLeakSince(before);
        assertEquals(cgroupsBefore, TestCgroups.containerCgroups());
    }

    private static void assertBuildFails(Container.Builder b, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.command("true").build().close());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "should mention '" + part + "': " + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("device "), "names the option: " + e.getMessage());
    }
}
